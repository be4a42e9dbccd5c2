"""What the health platform and our adapter agree on: FHIR version, code systems, categories.

The platform serves HL7 FHIR R4 JSON. We validate with ``fhir.resources``' R4B models: R4B
(4.3.0) left Patient, Encounter, DiagnosticReport, Observation, DocumentReference, Bundle,
Organization and OperationOutcome exactly as R4 (4.0.1) has them, and it is the R4 line the
pydantic 2 releases of ``fhir.resources`` ship.
"""

from __future__ import annotations

from typing import Final, Literal

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient

from integrations.base import IdType

__all__ = ["Bundle", "OperationOutcome", "Organization", "Patient"]

FHIR_JSON: Final = "application/fhir+json"
BASE_PATH: Final = "/fhir/r4"

# Patient identifiers, by the document the number is on. The ID card root is the one
# WS/T 500 gives 患者身份证件号码; the platform publishes the others in its guide.
IDENTIFIER_SYSTEMS: Final[dict[IdType, str]] = {
    "id_card": "urn:oid:2.16.156.10011.1.3",
    "permanent_residence": "urn:oid:2.16.156.10011.1.3.553",
    "passport": "urn:oid:2.16.156.10011.1.3.414",
}
ORGANISATION_SYSTEM: Final = "urn:weihai-palm:organisation"
"""Organization.identifier system whose values are our organisation codes."""

CATEGORY_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v2-0074"
RecordKind = Literal["visit", "lab", "imaging"]
CATEGORIES: Final[dict[str, str]] = {"lab": "LAB", "imaging": "RAD"}
"""DiagnosticReport.category code (HL7 v2 table 0074) of each report kind."""
KINDS_BY_CATEGORY: Final = {code: kind for kind, code in CATEGORIES.items()}

INTERPRETATION_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
ENCOUNTER_CLASS_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
LOINC: Final = "http://loinc.org"
ICD10: Final = "http://hl7.org/fhir/sid/icd-10"
UCUM: Final = "http://unitsofmeasure.org"
