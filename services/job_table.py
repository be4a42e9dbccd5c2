"""Every background job in one table: the function for each outbox topic, and the cron jobs.

The app hands ``TABLE`` to its job queue (``palm.jobs``); a job runs because it is listed here,
not because its module happened to be imported. ``services.jobs.Topic`` names the topics a
service may ``add``; building the table fails unless each has exactly one handler.
Cron times are UTC (Weihai is UTC+8).
"""

from __future__ import annotations

from services import custom_messages, jobs, localcopy, notifications
from services.credit import reports
from services.hotline import actions, progress, tickets
from services.jobs import CronJob
from services.medical import cache, treehead
from services.talent import evidence, notices, policy
from services.transit import pricing, reverification, settlement

TABLE = jobs.JobTable(
    handlers={
        "localcopy.announce": localcopy.announce_job,
        "notification.send": notifications.send,
        "notification.custom": custom_messages.send_custom_job,
        "hotline.submit": tickets.submit,
        "hotline.action": actions.deliver_job,
        "credit.report": reports.send_report,
        "credit.repair": reports.send_repair,
        "talent.policy_scan": policy.scan_job,
        "transit.taps.price": pricing.price_batch,
        "transit.payment.apply": settlement.apply_payment,
        "transit.run.settlement": settlement.run_now,
        "transit.run.reverification": reverification.run_now,
        "medical.cache.drop": cache.drop_job,
    },
    cron=(
        CronJob("hotline.reconcile", "*/15 * * * *", progress.reconcile),
        CronJob("credit.report-defaults", reports.REPORT_CHECK_CRON, reports.report_due_defaults),
        CronJob("talent.card_expiring", "0 1 * * *", notices.expiring_job),  # 09:00 in Weihai
        CronJob("talent.purge_evidence", "17 3 * * *", evidence.purge_job),
        CronJob("talent.policy_scan", "*/30 * * * *", policy.scan_cron),
        CronJob("transit.reverify", "30 17 * * *", reverification.nightly),  # 01:30 in Weihai
        CronJob("transit.settle", "0 18 * * *", settlement.settle_daily),  # 02:00 in Weihai
        CronJob("medical.seal_access_log", "*/10 * * * *", treehead.seal_job),
    ),
)
