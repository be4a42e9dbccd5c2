"""The simulated platform's hospitals and medical history of the simworld's people, in Chinese.

Dates are days before the simulator starts, so recent results stay recent in every run.
Values are chosen to give realistic abnormal flags (computed from the reference ranges).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# code → (Chinese name, English name)
HOSPITALS: dict[str, tuple[str, str]] = {
    "weihai-municipal-hospital": ("威海市立医院", "Weihai Municipal Hospital"),
    "weihai-central-hospital": ("威海市中心医院", "Weihai Central Hospital"),
    "weihai-maternal-child-hospital": (
        "威海市妇女儿童医院",
        "Weihai Women and Children's Hospital",
    ),
    "weihaiwei-peoples-hospital": ("威海卫人民医院", "Weihaiwei People's Hospital"),
}

# item → (LOINC or local code, Chinese name, display unit, UCUM unit)
ITEMS: dict[str, tuple[str, str, str, str]] = {
    "wbc": ("6690-2", "白细胞计数", "×10^9/L", "10*9/L"),
    "neut": ("770-8", "中性粒细胞百分比", "%", "%"),
    "rbc": ("789-8", "红细胞计数", "×10^12/L", "10*12/L"),
    "hgb": ("718-7", "血红蛋白", "g/L", "g/L"),
    "plt": ("777-3", "血小板计数", "×10^9/L", "10*9/L"),
    "crp": ("1988-5", "C反应蛋白", "mg/L", "mg/L"),
    "alt": ("1742-6", "丙氨酸氨基转移酶", "U/L", "U/L"),
    "ast": ("1920-8", "天门冬氨酸氨基转移酶", "U/L", "U/L"),
    "tbil": ("1975-2", "总胆红素", "μmol/L", "umol/L"),
    "alb": ("1751-7", "白蛋白", "g/L", "g/L"),
    "tc": ("2093-3", "总胆固醇", "mmol/L", "mmol/L"),
    "tg": ("2571-8", "甘油三酯", "mmol/L", "mmol/L"),
    "ldl": ("2089-1", "低密度脂蛋白胆固醇", "mmol/L", "mmol/L"),
    "hdl": ("2085-9", "高密度脂蛋白胆固醇", "mmol/L", "mmol/L"),
    "glu": ("1558-6", "空腹血糖", "mmol/L", "mmol/L"),
    "hba1c": ("4548-4", "糖化血红蛋白", "%", "%"),
    "cr": ("2160-0", "肌酐", "μmol/L", "umol/L"),
    "tsh": ("3016-3", "促甲状腺激素", "mIU/L", "m[IU]/L"),
    "ferritin": ("2276-4", "铁蛋白", "ng/mL", "ng/mL"),
    "mp_igm": ("MP-IGM", "肺炎支原体抗体IgM", "", ""),
}

# (item, low, high) by sex where the range differs; None: no bound on that side
RANGES: dict[str, tuple[float | None, float | None]] = {
    "wbc": (3.5, 9.5), "neut": (40, 75), "plt": (125, 350), "crp": (None, 10),
    "tbil": (None, 21), "alb": (40, 55), "tc": (None, 5.2), "tg": (None, 1.7),
    "ldl": (None, 3.4), "hdl": (1.0, None), "glu": (3.9, 6.1), "hba1c": (4.0, 6.0),
    "tsh": (0.27, 4.2),
    "rbc:M": (4.3, 5.8), "rbc:F": (3.8, 5.1), "hgb:M": (130, 175), "hgb:F": (115, 150),
    "alt:M": (9, 50), "alt:F": (7, 40), "ast:M": (15, 40), "ast:F": (13, 35),
    "cr:M": (57, 111), "cr:F": (41, 81), "ferritin:M": (30, 400), "ferritin:F": (13, 150),
    "wbc:child": (4.0, 12.0), "hgb:child": (110, 155),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Lab:
    """A laboratory report: its panel name and (item, value) results."""

    title: str
    code: str  # LOINC of the panel, or the hospital's local code
    results: tuple[tuple[str, float | str], ...]
    kind: Literal["lab"] = "lab"


@dataclass(frozen=True, slots=True)
class Imaging:
    """An examination report: modality title, findings (检查所见) and impression (检查提示)."""

    title: str
    code: str
    findings: str
    impression: str
    kind: Literal["imaging"] = "imaging"


@dataclass(frozen=True, slots=True)
class Visit:
    hospital: str
    days_ago: int
    encounter_class: Literal["AMB", "EMER", "IMP"]
    department: str
    diagnosis: tuple[str, str]  # ICD-10 code, Chinese name
    reports: tuple[Lab | Imaging, ...] = ()


def _cbc(wbc: float, neut: float, rbc: float, hgb: float, plt: float) -> Lab:
    values = (("wbc", wbc), ("neut", neut), ("rbc", rbc), ("hgb", hgb), ("plt", plt))
    return Lab("血常规", "58410-2", values)


def _liver(alt: float, ast: float, tbil: float, alb: float) -> Lab:
    return Lab("肝功能", "24325-3", (("alt", alt), ("ast", ast), ("tbil", tbil), ("alb", alb)))


def _lipids(tc: float, tg: float, ldl: float, hdl: float) -> Lab:
    return Lab("血脂四项", "57698-3", (("tc", tc), ("tg", tg), ("ldl", ldl), ("hdl", hdl)))


def _diabetes(days_ago: int, hba1c: float, glu: float) -> Visit:
    return Visit("weihai-municipal-hospital", days_ago, "AMB", "内分泌科", ("E11.9", "2型糖尿病"),
                 (Lab("糖化血红蛋白", "4548-4", (("hba1c", hba1c),)),
                  Lab("空腹血糖", "1558-6", (("glu", glu),))))  # fmt: skip


HISTORY: dict[str, tuple[Visit, ...]] = {
    "resident": (
        Visit("weihai-municipal-hospital", 200, "AMB", "健康管理中心", ("Z00.0", "健康体检"),
              (_cbc(6.2, 58, 5.1, 152, 236), _liver(58, 36, 14.2, 46),
               _lipids(4.9, 2.1, 3.1, 1.2),
               Imaging("胸部X线正位片", "36643-5", "双肺纹理清晰，未见实质性病变。心影正常。",
                       "心肺膈未见明显异常。"))),
        Visit("weihai-central-hospital", 5, "AMB", "呼吸内科", ("J06.9", "急性上呼吸道感染"),
              (_cbc(10.8, 78, 5.0, 150, 241), Lab("C反应蛋白", "1988-5", (("crp", 15.6),)))),
    ),
    "elder": (
        _diabetes(10, 7.2, 7.8), _diabetes(100, 7.5, 8.1), _diabetes(190, 7.9, 8.6),
        _diabetes(280, 8.3, 9.2), _diabetes(370, 7.8, 8.4), _diabetes(460, 7.1, 7.0),
        _diabetes(550, 6.8, 6.9), _diabetes(640, 7.4, 7.6),
        Visit("weihai-municipal-hospital", 60, "AMB", "心血管内科", ("I10", "原发性高血压"),
              (_lipids(5.9, 1.9, 3.8, 1.1),
               Imaging("颈动脉彩色多普勒超声", "US-CAROTID",
                       "双侧颈动脉内中膜增厚，左侧颈总动脉分叉处见一低回声斑块，大小约8×2mm。",
                       "双侧颈动脉内中膜增厚，左侧颈动脉斑块形成。"))),
        Visit("weihai-central-hospital", 30, "AMB", "肾内科", ("E11.2", "2型糖尿病肾病"),
              (Lab("肾功能", "24362-6", (("cr", 92),)),)),
    ),
    "talent": (
        Visit("weihai-municipal-hospital", 30, "AMB", "健康管理中心", ("Z10.0", "职业健康检查"),
              (_cbc(5.8, 55, 5.2, 158, 210), Lab("甲状腺功能", "3016-3", (("tsh", 2.1),)),
               Imaging("甲状腺彩色多普勒超声", "US-THYROID",
                       "甲状腺右叶见一低回声结节，大小约6×5mm，边界清，形态规则，未见钙化。",
                       "甲状腺右叶结节，TI-RADS 3类。"))),
    ),
    "parent": (
        Visit("weihai-maternal-child-hospital", 90, "AMB", "乳腺外科", ("D24", "乳腺良性肿瘤"),
              (Imaging("乳腺彩色多普勒超声", "US-BREAST",
                       "左乳外上象限见一低回声结节，大小约9×6mm，边界清，纵横比<1。",
                       "左乳结节，BI-RADS 3类，建议6个月复查。"),)),
        Visit("weihai-municipal-hospital", 3, "AMB", "血液内科", ("D50.9", "缺铁性贫血"),
              (_cbc(5.1, 62, 3.9, 102, 298), Lab("铁蛋白", "2276-4", (("ferritin", 8),)))),
    ),
    "parent_child": (
        Visit("weihai-maternal-child-hospital", 400, "AMB", "儿童保健科", ("Z00.1", "儿童健康检查"),
              (_cbc(7.2, 45, 4.6, 128, 280),)),
        Visit("weihai-maternal-child-hospital", 45, "AMB", "儿科", ("J02.9", "急性咽炎"),
              (_cbc(9.1, 60, 4.7, 126, 265),)),
        Visit("weihai-maternal-child-hospital", 2, "AMB", "儿科", ("J15.7", "肺炎支原体肺炎"),
              (_cbc(8.9, 66, 4.5, 124, 310), Lab("C反应蛋白", "1988-5", (("crp", 28.0),)),
               Lab("肺炎支原体抗体IgM", "MP-IGM", (("mp_igm", "阳性"),)),
               Imaging("胸部X线正位片", "36643-5", "右下肺野见斑片状模糊影，边缘不清。心影不大。",
                       "右下肺炎症，请结合临床。"))),
    ),
    "parent_mother": (
        Visit("weihaiwei-peoples-hospital", 20, "AMB", "骨科", ("M17.1", "膝关节骨关节炎"),
              (Imaging("右膝关节磁共振平扫", "MR-KNEE",
                       "右膝内侧半月板后角见Ⅱ度异常信号，关节腔内少量积液，股骨髁软骨变薄。",
                       "右膝退行性改变，内侧半月板后角变性。"),)),
        Visit("weihai-central-hospital", 15, "AMB", "内分泌科", ("M81.0", "绝经后骨质疏松"),
              (Imaging("双能X线骨密度测定", "38269-7", "腰椎L1-L4 T值-2.6，股骨颈T值-2.1。",
                       "腰椎骨质疏松，股骨颈骨量减少。"),
               _lipids(6.1, 1.5, 3.9, 1.4))),
    ),
    "debtor": (
        Visit("weihai-central-hospital", 60, "AMB", "消化内科", ("K76.0", "脂肪肝"),
              (_liver(86, 52, 16.8, 45),
               Imaging("腹部彩色多普勒超声", "24558-9",
                       "肝脏体积增大，实质回声细密增强，后方回声衰减，肝内管道显示欠清。",
                       "脂肪肝（中度）。"))),
    ),
    "foreigner": (
        Visit("weihai-municipal-hospital", 12, "EMER", "急诊科", ("S93.4", "踝关节扭伤"),
              (Imaging("左踝关节X线正侧位片", "XR-ANKLE",
                       "左踝关节诸骨未见明确骨折征象，关节间隙正常，外踝周围软组织肿胀。",
                       "左踝软组织肿胀，未见骨折。"),)),
    ),
}  # fmt: skip
