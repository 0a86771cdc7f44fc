#!/usr/bin/env python3
"""Writes rules/lower-back-pain.safety-cells.cases.json: one golden case per value of every finding
in each modality's row of the clinical brief's safety table (§3a) -- yes, no and not recorded, and
each value of an enum -- and every age threshold of the brief at and either side of its value.

The expectations are written here from the brief, not taken from the planner, so a change to any
cell of the rules or of a plugin's floor fails a named case. Run it after changing the table:

    tests/golden/safety_cells.py            # rewrites the cases file
    tests/golden/safety_cells.py --check    # exit 1 when the file is not what this script writes
"""
import collections
import copy
import json
import os
import sys

O = collections.OrderedDict
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "rules", "lower-back-pain.safety-cells.cases.json")

DN, AA, MFR, SAR = ("dry_needling", "auricular_acupuncture", "myofascial_release",
                    "stretching_active_release")

# Everyone recorded, nothing contraindicated, every modality indicated: all four are offered and
# the plan is COMPLETE. Each case changes one finding.
BASE = O([
    ("age", 42), ("work_type", "desk"), ("pain_nprs", 6), ("pain_duration_weeks", 20),
    ("pain_days_per_week", 5), ("first_episode", False),
    ("rf_saddle_anaesthesia", False), ("rf_bladder_dysfunction", False),
    ("rf_bowel_dysfunction", False), ("rf_sexual_dysfunction", False),
    ("rf_bilateral_leg_symptoms", False), ("rf_progressive_neuro_deficit", False),
    ("rf_history_of_cancer", False), ("rf_unexplained_weight_loss", False),
    ("rf_fever_or_unwell", False), ("rf_iv_drug_use", False), ("rf_major_trauma", False),
    ("rf_minor_trauma", False), ("night_pain", "none"), ("inflammatory_pattern", False),
    ("neuro_deficit", "none"), ("radiation", "buttock"),
    ("needle_phobia", False), ("needling_consent", True), ("anticoagulant_therapy", False),
    ("antiplatelet_therapy", False), ("bleeding_disorder", False), ("pregnant", False),
    ("immunosuppressed", False), ("diabetes", "none"), ("epilepsy", "none"),
    ("lymphoedema_region", "none"), ("skin_lesion_at_site", False), ("metal_allergy", False),
    ("recent_surgery_site", "none"), ("dvt_suspected", False), ("acute_soft_tissue_injury", False),
    ("osteoporosis", False), ("hypermobility", False), ("long_term_steroids", False),
    ("ear_infection", False),
    ("trigger_points", ["quadratus_lumborum", "gluteus_medius", "piriformis"]),
    ("fascial_restriction", ["thoracolumbar_fascia", "hip_flexors"]),
    ("thomas_test", "positive_bilateral"), ("hamstring_tight", True), ("lumbar_rom", "reduced"),
    ("stress_level", "high"), ("sleep_quality", "poor"),
])

# The base plan's targets, in the order the plan lists them.
TARGETS = {
    DN: ["quadratus_lumborum", "gluteus_medius", "piriformis"],
    MFR: ["quadratus_lumborum", "gluteus_medius", "piriformis", "thoracolumbar_fascia",
          "hip_flexors"],
}
REGION = {"quadratus_lumborum": "lumbar", "erector_spinae": "lumbar",
          "thoracolumbar_fascia": "lumbar", "upper_back": "thoracic",
          "gluteus_medius": "gluteal", "gluteus_minimus": "gluteal", "piriformis": "gluteal",
          "hip_flexors": "anterior_hip", "hamstrings": "leg"}
LYMPHOEDEMA = {"none": [], "trunk": ["lumbar", "thoracic"], "left_leg": ["leg", "gluteal"],
               "right_leg": ["leg", "gluteal"], "arm": []}
SURGERY = {"none": [], "lumbar": ["lumbar"], "hip": ["gluteal", "anterior_hip"],
           "abdomen": ["anterior_hip"], "other": []}

# Floor findings that are red flags too (clinical brief §1).
REFERS = {"rf_fever_or_unwell": "URGENT"}

cases = []


def case(case_id, description, changes, expect):
    findings = copy.deepcopy(BASE)
    for code, value in changes.items():
        if value is None:
            findings.pop(code, None)
        else:
            findings[code] = value
    cases.append(O([("id", case_id), ("description", description),
                    ("source", "Clinical brief §3a"), ("findings", findings),
                    ("expect", expect)]))


def offered(modality, status=None):
    e = O([("steps_include", [modality])])
    if status:
        e["status"] = status
    return e


def excluded(modality):
    return O([("steps_exclude", [modality]), ("excluded", [modality])])


def not_suggested_asked(modality, code):
    return O([("steps_exclude", [modality]), ("missing_include", [code])])


def asked(modality, code):
    return O([("steps_include", [modality]), ("status", "PROVISIONAL"),
              ("missing_include", [code])])


def boolean_cell(modality, code, kind, contraindicated=True, what=""):
    """kind: 'required' (unknown: not suggested), 'floor' or 'rule' (unknown: asked)."""
    bad, good = contraindicated, not contraindicated
    name = f"cell-{modality}-{code}"
    if code in REFERS:  # also a red flag: referred, so no step at all
        case(f"{name}-{str(bad).lower()}", f"{modality}: {code} {bad}: referred, no step",
             {code: bad}, O([("status", "REFERRED"), ("referral", REFERS[code]),
                             ("steps_exclude", [modality])]))
    else:
        case(f"{name}-{str(bad).lower()}", f"{modality}: {code} {bad}{what}: excluded",
             {code: bad}, excluded(modality))
    case(f"{name}-{str(good).lower()}", f"{modality}: {code} {good}: offered",
         {code: good}, offered(modality, "COMPLETE"))
    unknown = (not_suggested_asked(modality, code) if kind == "required"
               else asked(modality, code))
    case(f"{name}-unknown", f"{modality}: {code} not recorded: " +
         ("not suggested, asked" if kind == "required" else "offered only after asking"),
         {code: None}, unknown)


def caution_cell(modality, code, value, neutral, words):
    name = f"cell-{modality}-{code}"
    case(f"{name}-{value}".lower(), f"{modality}: {code} {value}: offered with a caution",
         {code: value}, O([("steps_include", [modality]),
                           ("cautions_include", O([(modality, [words])]))]))
    case(f"{name}-{neutral}".lower(), f"{modality}: {code} {neutral}: no caution",
         {code: neutral}, O([("steps_include", [modality]), ("status", "COMPLETE"),
                             ("cautions_exclude", O([(modality, [words])]))]))
    case(f"{name}-unknown", f"{modality}: {code} not recorded: offered, no caution",
         {code: None}, O([("steps_include", [modality]),
                          ("cautions_exclude", O([(modality, [words])]))]))


def region_cell(modality, code, regions, kind):
    name = f"cell-{modality}-{code}"
    for value, affected in regions.items():
        kept = [t for t in TARGETS[modality] if REGION[t] not in affected]
        if value == "none":
            expect = offered(modality, "COMPLETE")
            expect["targets"] = O([(modality, TARGETS[modality])])
        elif kept:
            expect = O([("targets", O([(modality, kept)]))])
        else:
            expect = excluded(modality)
        case(f"{name}-{value}", f"{modality}: {code} {value}: " +
             (f"only targets outside {', '.join(affected)}" if affected else "no target removed"),
             {code: value}, expect)
    case(f"{name}-unknown", f"{modality}: {code} not recorded: offered only after asking",
         {code: None}, asked(modality, code))


# --- dry needling -----------------------------------------------------------------------------
for code in ("needle_phobia",):
    boolean_cell(DN, code, "required", True)
boolean_cell(DN, "needling_consent", "required", False)
for code in ("anticoagulant_therapy", "bleeding_disorder", "pregnant"):
    boolean_cell(DN, code, "required", True)
for code in ("skin_lesion_at_site", "metal_allergy", "rf_fever_or_unwell"):
    boolean_cell(DN, code, "floor", True)
region_cell(DN, "lymphoedema_region", LYMPHOEDEMA, "floor")
for value, expect in (("none", offered(DN, "COMPLETE")), ("controlled", offered(DN)),
                      ("uncontrolled", excluded(DN))):
    case(f"cell-{DN}-epilepsy-{value}", f"{DN}: epilepsy {value}", {"epilepsy": value}, expect)
case(f"cell-{DN}-epilepsy-unknown", f"{DN}: epilepsy not recorded: offered only after asking",
     {"epilepsy": None}, asked(DN, "epilepsy"))
for value in ("none", "lumbar", "hip", "abdomen", "other"):
    expect = excluded(DN) if value in ("lumbar", "hip") else offered(DN)
    case(f"cell-{DN}-recent_surgery_site-{value}", f"{DN}: recent surgery {value}",
         {"recent_surgery_site": value}, expect)
case(f"cell-{DN}-recent_surgery_site-unknown", f"{DN}: recent surgery not recorded: asked",
     {"recent_surgery_site": None}, asked(DN, "recent_surgery_site"))
caution_cell(DN, "antiplatelet_therapy", True, False, "antiplatelet")
caution_cell(DN, "immunosuppressed", True, False, "immunosuppressed")
caution_cell(DN, "diabetes", "controlled", "none", "diabetes")
case(f"cell-{DN}-diabetes-uncontrolled", f"{DN}: diabetes uncontrolled: offered with a caution",
     {"diabetes": "uncontrolled"},
     O([("steps_include", [DN]), ("cautions_include", O([(DN, ["diabetes"])]))]))

# --- auricular acupuncture ------------------------------------------------------------------------
boolean_cell(AA, "needle_phobia", "required", True)
boolean_cell(AA, "needling_consent", "required", False)
boolean_cell(AA, "ear_infection", "required", True)
for code in ("bleeding_disorder", "anticoagulant_therapy", "metal_allergy"):
    boolean_cell(AA, code, "rule", True)
caution_cell(AA, "pregnant", True, False, "pregnant")

# --- myofascial release ---------------------------------------------------------------------------
boolean_cell(MFR, "dvt_suspected", "required", True)
boolean_cell(MFR, "rf_fever_or_unwell", "floor", True)
boolean_cell(MFR, "skin_lesion_at_site", "rule", True)
region_cell(MFR, "recent_surgery_site", SURGERY, "rule")
for code in ("anticoagulant_therapy", "bleeding_disorder", "osteoporosis"):
    name = f"cell-{MFR}-{code}"
    case(f"{name}-true", f"{MFR}: {code}: pressure capped at light", {code: True},
         O([("steps_include", [MFR]), ("pressure", O([(MFR, "light")]))]))
    case(f"{name}-unknown", f"{MFR}: {code} not recorded: light until confirmed", {code: None},
         O([("steps_include", [MFR]), ("pressure", O([(MFR, "light")]))]))
    case(f"{name}-false", f"{MFR}: {code} false: not capped by it", {code: False},
         O([("steps_include", [MFR]), ("pressure", O([(MFR, "moderate")]))]))

# --- stretching / active release ------------------------------------------------------------------
boolean_cell(SAR, "acute_soft_tissue_injury", "required", True)
for value in ("none", "lumbar", "hip", "abdomen", "other"):
    expect = excluded(SAR) if value in ("lumbar", "hip") else offered(SAR)
    case(f"cell-{SAR}-recent_surgery_site-{value}", f"{SAR}: recent surgery {value}",
         {"recent_surgery_site": value}, expect)
case(f"cell-{SAR}-recent_surgery_site-unknown", f"{SAR}: recent surgery not recorded: asked",
     {"recent_surgery_site": None}, asked(SAR, "recent_surgery_site"))
caution_cell(SAR, "osteoporosis", True, False, "osteoporosis")
caution_cell(SAR, "hypermobility", True, False, "hypermobility")
caution_cell(SAR, "anticoagulant_therapy", True, False, "anticoagulants")

# --- age thresholds (16, 20, 50, 75), at and either side ------------------------------------------
for age, out in ((15, True), (16, False), (17, False)):
    case(f"age-{age}-dry-needling-under-16", f"age {age}: dry needling " +
         ("excluded (under 16)" if out else "allowed"), {"age": age},
         excluded(DN) if out else offered(DN, "COMPLETE"))
for age in (74, 75, 76):
    key = "cautions_include" if age >= 75 else "cautions_exclude"
    case(f"age-{age}-caution-75", f"age {age}: caution for 75 or over " +
         ("given" if age >= 75 else "not given"), {"age": age},
         O([("steps_include", [DN, SAR]),
            (key, O([(DN, ["aged 75 or over"]), (SAR, ["aged 75 or over"])]))]))
for age, routine in ((19, True), (20, False), (21, False), (49, False), (50, False), (51, True)):
    case(f"age-{age}-first-episode", f"first episode at {age}: " +
         ("routine referral" if routine else "no referral"),
         {"age": age, "first_episode": True},
         O([("referral", "ROUTINE" if routine else "NONE")]))
case("age-unknown-first-episode", "first episode, age not recorded: the referral is asked about",
     {"age": None, "first_episode": True},
     O([("status", "PROVISIONAL"), ("missing_include", ["age"])]))

document = O([
    ("$schema", "schema/cases.schema.json"),
    ("description", "Generated by tests/golden/safety_cells.py from the clinical brief's safety "
                    "table (§3a): one case per value of every finding in each modality's row, and "
                    "every age threshold at and either side of its value. Do not edit by hand."),
    ("cases", cases),
])
text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
if "--check" in sys.argv[1:]:
    current = open(OUT, encoding="utf-8").read() if os.path.exists(OUT) else ""
    if current != text:
        sys.exit(f"{OUT} is not what {sys.argv[0]} writes: run it and commit the result")
    sys.exit(0)
with open(OUT, "w", encoding="utf-8") as f:
    f.write(text)
print(f"{len(cases)} cases written to {os.path.relpath(OUT, ROOT)}")
