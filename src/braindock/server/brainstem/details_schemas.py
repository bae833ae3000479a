"""Type-specific JSON schemas of ``details``, ``coordinates_details`` and log-entry ``details``.

Facts of ``shared/reference/brainstem.md`` Appendix A (schema versions 1.0.0-1.2.0), written as data:
each family maps a selector value (``type`` or ``coordinates_system``) to a :class:`TypeSchema`, whose
properties are :class:`Prop` declarations. ``quantity`` is the ``{"value": number, "unit": str}`` shape.
Validation: :func:`braindock.server.brainstem.jsonschema.validate`.
"""

from __future__ import annotations

from braindock.server.brainstem.jsonschema import Prop, TypeSchema

E1 = ("Autoclave", "Ethylene Oxide", "Alcohol", "Gamma Irradiation", "None")
E2 = (
    "Amplitude Modulated",
    "Alternating Current",
    "Biphasic",
    "Burst",
    "Chirp",
    "Direct Current",
    "Cosine",
    "Frequency Hopping",
    "Frequency Modulated",
    "Decaying Exponential",
    "Gaussian Pulse",
    "Harmonic Stimulation",
    "Gaussian Noise",
    "Pseudo-random Binary Sequence",
    "Pink Noise",
    "Pulse train",
    "Sawtooth",
    "Staircase",
    "Sine Wave",
    "Sinc Pulse",
    "Square",
    "Stochastic",
    "Step Function",
    "Ramp",
    "Rising Exponential",
    "Trapezoidal Pulse",
    "Triangle",
    "Variable Rate Pulse Train",
    "White Noise",
)
E3 = ("Autoclave", "Ethylene Oxide", "Gamma Irradiation", "Alcohol", "None")
E4 = (
    "Bolus Injection",
    "Continuous Infusion",
    "Tapered Dose",
    "Intermittent Bolus",
    "Staggered Injection",
    "Ramp Infusion",
    "Burst Infusion",
    "Step Infusion",
    "Layered Dosing",
    "Titration",
)
E5 = ("Passive", "Behavioral task", "Closed-loop", "Anesthetized", "Free behavior")

PROCEDURE: dict[str, TypeSchema] = {
    "Anesthesia": TypeSchema(
        "1.1.0",
        {
            "anestheticAgent": Prop(
                "string",
                enum=(
                    "Isoflurane",
                    "Sevoflurane",
                    "Ketamine",
                    "Ketamine + Xylazine",
                    "Ketamine + Dexmedetomidine",
                    "Pentobarbital",
                    "Urethane",
                    "Tribromoethanol (Avertin)",
                    "Propofol",
                    "Other",
                ),
            ),
            "complications": Prop("string"),
            "depth": Prop(
                "string", enum=("Light sedation", "Moderate sedation", "Deep sedation", "Surgical plane", "Other")
            ),
            "dosage": Prop("string"),
            "duration": Prop("quantity", units=("h", "min", "s", "ms", "µs")),
            "endOfAnesthesia": Prop("string"),
            "monitoringMethod": Prop("array", min_items=0),
            "recoveryTime": Prop("quantity", units=("h", "min", "s", "ms", "µs")),
            "route": Prop(
                "string",
                enum=(
                    "Inhalation",
                    "Intraperitoneal (IP)",
                    "Intravenous (IV)",
                    "Subcutaneous (SC)",
                    "Intramuscular (IM)",
                    "Oral",
                    "Other",
                ),
            ),
            "supportiveCare": Prop("array", min_items=0),
        },
        required=("anestheticAgent", "route"),
    ),
    "AuditoryStimulation": TypeSchema(
        "1.0.0",
        {
            "deliveryMethod": Prop(
                "string", enum=("Free-field speaker", "In-ear speaker", "Bone conduction", "Headphone", "Other")
            ),
            "paradigmDescription": Prop("string"),
            "stimulationContext": Prop("string", enum=E5),
            "stimulusTypes": Prop("array"),
        },
        required=("stimulusTypes",),
    ),
    "BarbiturateInjection": TypeSchema(
        "1.1.0",
        {
            "barbiturate": Prop(
                "string",
                enum=(
                    "Pentobarbital",
                    "Phenobarbital",
                    "Secobarbital",
                    "Barbital",
                    "Commercial euthanasia solution",
                    "Other",
                ),
            ),
            "concentration": Prop("quantity", units=("mg/mL", "µg/mL", "g/L", "mg/L", "µg/L")),
            "confirmationOfDeath": Prop("array", min_items=0),
            "dosage": Prop("quantity", units=("mg/kg", "µg/kg", "g/kg")),
            "route": Prop(
                "string",
                enum=("Intraperitoneal (IP)", "Intravenous (IV)", "Intracardiac", "Subcutaneous (SC)", "Other"),
            ),
            "sedationAgent": Prop("string"),
            "timeToUnconsciousness": Prop("quantity", units=("s", "min", "h", "ms")),
            "volumeAdministered": Prop("quantity", units=("mL", "L", "µL", "nL")),
        },
        required=("barbiturate", "confirmationOfDeath", "route"),
    ),
    "BehavioralTracking": TypeSchema(
        "1.0.0",
        {
            "trackedFeatures": Prop("array"),
            "trackingMethod": Prop("string", enum=("Markerless", "Marker-based", "Hybrid", "Manual scoring")),
        },
    ),
    "BloodPressureSensorImplant": TypeSchema(
        "1.0.0",
        {
            "anchoringMethod": Prop(
                "string",
                enum=("sutured", "subcutaneous tunnel", "tissue glue", "headcap", "cemented to skull", "other"),
            ),
            "catheterMaterial": Prop("string"),
            "implantSite": Prop("string"),
            "sensorType": Prop("string", enum=("telemetric", "catheter-based", "fluid-filled", "fiber-optic", "other")),
            "sterilizationMethod": Prop("string", enum=E1),
        },
        required=("anchoringMethod", "sensorType"),
    ),
    "BrainExtraction": TypeSchema(
        "1.1.0",
        {
            "brainWeight": Prop("quantity", units=("g", "kg", "mg", "µg")),
            "extractionMethod": Prop(
                "string", enum=("Complete removal", "Partial removal", "Sectional removal", "Other")
            ),
            "fixationDuration": Prop("quantity", units=("s", "min", "h", "ms")),
            "preservationMethod": Prop(
                "string",
                enum=(
                    "Fresh (immediate use)",
                    "Paraformaldehyde fixation",
                    "Formalin fixation",
                    "Flash freezing",
                    "Liquid nitrogen",
                    "Dry ice",
                    "Other",
                ),
            ),
            "storageConditions": Prop("string"),
            "timeToExtraction": Prop("quantity", units=("s", "min", "h", "ms")),
        },
        required=("extractionMethod", "preservationMethod"),
    ),
    "BrainLesion": TypeSchema(
        "1.1.0",
        {
            "fatalOutcome": Prop("boolean"),
            "lesionMethod": Prop("string"),
            "volume": Prop("quantity", units=("µL", "mL", "L", "nL")),
        },
    ),
    "BrainSlice": TypeSchema(
        "1.1.0",
        {
            "medium": Prop("string"),
            "nSlices": Prop("integer", minimum=0),
            "orientation": Prop("string", enum=("coronal", "sagittal", "horizontal")),
            "thickness": Prop("quantity", units=("µm", "mm", "nm", "m")),
            "vibratomeBladeAngle": Prop("quantity", units=("°",)),
        },
        required=("orientation", "thickness"),
    ),
    "BreathingSensorImplant": TypeSchema(
        "1.0.0",
        {
            "anchoringMethod": Prop(
                "string",
                enum=(
                    "sutured",
                    "tissue glue",
                    "subcutaneous tunnel",
                    "cemented to skull",
                    "headcap",
                    "custom mount",
                    "other",
                ),
            ),
            "implantSite": Prop("string"),
            "sensorType": Prop(
                "string",
                enum=(
                    "Piezoelectric sensor",
                    "Chest wall EMG",
                    "Intranasal thermocouple",
                    "Intranasal pressure sensor",
                    "Tracheal airflow sensor",
                    "Thoracic pressure sensor",
                    "Plethysmography cannula",
                    "Other",
                ),
            ),
            "signalTransmission": Prop(
                "string", enum=("tethered", "wireless", "telemetric", "inductive", "optical", "other")
            ),
            "sterilizationMethod": Prop("string", enum=E1),
            "wireMaterial": Prop("string"),
        },
        required=("anchoringMethod", "sensorType"),
    ),
    "BurrHole": TypeSchema(
        "1.1.0",
        {
            "complications": Prop("string"),
            "coolingMethod": Prop("string", enum=("Saline irrigation", "Air cooling", "None", "Other")),
            "diameter": Prop("quantity", units=("mm", "µm", "cm", "m")),
            "drillSpeed": Prop("quantity", units=("RPM", "Hz")),
            "purpose": Prop("string"),
        },
    ),
    "CatheterImplant": TypeSchema(
        "1.0.0",
        {
            "catheterId": Prop("string"),
            "catheterType": Prop("string"),
            "externalPort": Prop(
                "string", enum=("head-mounted", "back-mounted", "tail-mounted", "subcutaneous", "none")
            ),
            "fixationMethod": Prop(
                "string", enum=("sutures", "dental cement", "epoxy", "tissue glue", "tunneled subcutaneously", "other")
            ),
            "material": Prop("string"),
            "purpose": Prop("string", enum=("infusion", "sampling", "pressure monitoring", "drug delivery", "other")),
            "targetSite": Prop(
                "string",
                enum=(
                    "jugular vein",
                    "femoral vein",
                    "carotid artery",
                    "lateral ventricle",
                    "third ventricle",
                    "spinal cord (intrathecal)",
                    "cisterna magna",
                    "peritoneal cavity",
                    "other",
                ),
            ),
        },
        required=("targetSite",),
    ),
    "CervicalDislocation": TypeSchema(
        "1.0.0",
        {
            "anestheticAgent": Prop("string"),
            "complications": Prop("string"),
            "confirmationOfDeath": Prop("array", min_items=0),
            "dislocationMethod": Prop("string", enum=("Manual", "Mechanical device", "Scissor method", "Other")),
        },
        required=("confirmationOfDeath", "dislocationMethod"),
    ),
    "Co2ChamberEuthanasia": TypeSchema(
        "1.1.0",
        {
            "chamberVolume": Prop("quantity", units=("L", "mL", "µL")),
            "co2Concentration": Prop("quantity", units=("%", "ppm", "ppb")),
            "confirmationOfDeath": Prop("array", min_items=0),
            "exposureDuration": Prop("quantity", units=("s", "min", "h", "ms")),
            "flowRate": Prop("quantity", units=("L/min", "mL/min", "L/s", "mL/s")),
            "gradualIntroduction": Prop("boolean"),
            "prefillingMethod": Prop(
                "string", enum=("Not prefilled", "Partially prefilled", "Fully prefilled", "Other")
            ),
            "timeToUnconsciousness": Prop("quantity", units=("s", "min", "h", "ms")),
        },
        required=("co2Concentration", "confirmationOfDeath", "exposureDuration"),
    ),
    "CranialWindow": TypeSchema(
        "1.0.0",
        {
            "dimensions": Prop("string"),
            "orientation": Prop("string"),
            "shape": Prop("string"),
            "surgicalMethod": Prop("string"),
        },
    ),
    "Craniectomy": TypeSchema(
        "1.0.0",
        {
            "dimensions": Prop("string"),
            "fatalOutcome": Prop("boolean"),
            "orientation": Prop("string"),
            "shape": Prop("string"),
            "surgicalMethod": Prop("string"),
        },
    ),
    "Craniotomy": TypeSchema(
        "1.0.0",
        {
            "dimensions": Prop("string"),
            "fatalOutcome": Prop("boolean"),
            "orientation": Prop("string"),
            "shape": Prop("string"),
            "surgicalMethod": Prop("string"),
        },
    ),
    "Cryosectioning": TypeSchema(
        "1.1.0",
        {
            "embeddingMedium": Prop(
                "string", enum=("OCT compound", "Tissue-Tek", "Cryomatrix", "Gelatin", "None", "Other")
            ),
            "numberOfSections": Prop("number", minimum=0),
            "orientation": Prop("string", enum=("Coronal", "Sagittal", "Horizontal", "Other")),
            "sectionInterval": Prop("number", minimum=1),
            "sectionThickness": Prop("quantity", units=("µm", "mm", "nm", "m")),
            "serialSectioning": Prop("boolean"),
            "storageBuffer": Prop("string"),
            "storageMethod": Prop(
                "string", enum=("Mounted on slides", "Free-floating in solution", "Stored in plates", "Other")
            ),
            "temperature": Prop("quantity", units=("°C", "K", "°F")),
        },
        required=("orientation", "sectionThickness", "temperature"),
    ),
    "Decapitation": TypeSchema(
        "1.0.0",
        {
            "anestheticAgent": Prop("string"),
            "complications": Prop("string"),
            "decapitationMethod": Prop("string", enum=("Guillotine", "Sharp scissors", "Surgical blade", "Other")),
        },
        required=("decapitationMethod",),
    ),
    "EcgImplant": TypeSchema(
        "1.0.0",
        {
            "anchoringMethod": Prop(
                "string",
                enum=("sutured", "subcutaneous tunnel", "tissue glue", "headcap", "cemented to skull", "other"),
            ),
            "implantSite": Prop("string"),
            "sterilizationMethod": Prop("string", enum=E1),
            "wireCount": Prop("integer", minimum=1),
            "wireInsulation": Prop("string", enum=("Teflon", "polyimide", "silicone", "none", "other")),
            "wireMaterial": Prop("string"),
        },
        required=("anchoringMethod",),
    ),
    "EegImplant": TypeSchema(
        "1.0.0",
        {
            "anchoringMethod": Prop(
                "string", enum=("dental cement", "screws", "acrylic", "UV-cured resin", "headcap", "other")
            ),
            "electrodeMaterial": Prop("string"),
            "electrodeType": Prop("string", enum=("skull screw", "flat wire", "disc", "custom", "other")),
            "referencingScheme": Prop(
                "string", enum=("single reference", "common average", "bipolar", "differential", "other")
            ),
            "shielding": Prop(
                "string",
                enum=("none", "copper mesh", "conductive paint", "aluminum foil", "headcap integrated", "other"),
            ),
            "sterilizationMethod": Prop("string", enum=E1),
            "wireCount": Prop("integer", minimum=1),
        },
        required=("anchoringMethod", "electrodeMaterial", "electrodeType", "wireCount"),
    ),
    "EmgImplant": TypeSchema(
        "1.0.0",
        {
            "anchoringMethod": Prop(
                "string",
                enum=(
                    "sutured to muscle",
                    "cemented to skull",
                    "subcutaneous tunnel",
                    "tissue glue",
                    "headcap",
                    "other",
                ),
            ),
            "implantMethod": Prop(
                "string", enum=("direct insertion", "needle-guided", "tunneled subcutaneously", "sutured", "other")
            ),
            "muscleTargets": Prop("string"),
            "sterilizationMethod": Prop("string", enum=E1),
            "wireCount": Prop("integer", minimum=1),
            "wireInsulation": Prop("string", enum=("Teflon", "polyimide", "silicone", "none", "other")),
            "wireMaterial": Prop("string"),
        },
        required=("implantMethod", "wireCount"),
    ),
    "GenericImplant": TypeSchema(
        "1.0.0",
        {
            "anchoringMethod": Prop(
                "string",
                enum=(
                    "sutured",
                    "tissue glue",
                    "subcutaneous tunnel",
                    "dental cement",
                    "headcap",
                    "custom mount",
                    "none",
                    "other",
                ),
            ),
            "implantName": Prop("string"),
            "implantType": Prop(
                "string",
                enum=(
                    "sensor",
                    "electrode",
                    "optical device",
                    "mechanical device",
                    "fluidic device",
                    "structural support",
                    "other",
                ),
            ),
            "powerSource": Prop("string", enum=("battery", "inductive", "wired", "passive", "none", "other")),
            "signalTransmission": Prop(
                "string", enum=("tethered", "wireless", "telemetric", "optical", "none", "other")
            ),
            "sterilizationMethod": Prop("string", enum=E1),
        },
        required=("implantType",),
    ),
    "GrinLensImplant": TypeSchema(
        "1.0.0",
        {
            "lensId": Prop("string"),
            "lensTipType": Prop("string"),
            "mountingMethod": Prop(
                "string", enum=("Cement only", "Cement + baseplate", "Headcap integrated", "Custom holder", "Other")
            ),
            "sterilizationMethod": Prop("string", enum=E3),
        },
    ),
    "HeadFixation": TypeSchema(
        "1.0.0",
        {
            "alignment": Prop("string"),
            "fixationDetails": Prop("string"),
            "fixationMethod": Prop("array", min_items=0),
            "topicalAnesthesia": Prop("string"),
        },
    ),
    "Headcap": TypeSchema(
        "1.0.0",
        {
            "attachmentMethod": Prop(
                "string", enum=("dental cement", "UV-cured resin", "super glue", "epoxy", "screws", "other")
            ),
            "constructionMethod": Prop(
                "string", enum=("manually built", "custom-built", "3D-printed", "milled", "molded", "other")
            ),
            "headcapId": Prop("string"),
            "material": Prop("string"),
            "shape": Prop("string"),
            "shielding": Prop(
                "string", enum=("none", "conductive paint", "copper mesh", "aluminum foil", "custom", "unknown")
            ),
            "skullPreparation": Prop("string"),
        },
    ),
    "Headpost": TypeSchema(
        "1.0.0",
        {
            "attachmentMethod": Prop("string", enum=("dental cement", "super glue", "epoxy", "screws", "other")),
            "constructionMethod": Prop(
                "string", enum=("manually built", "custom-built", "3D-printed", "milled", "other")
            ),
            "headpostId": Prop("string"),
            "material": Prop("string"),
            "shape": Prop("string"),
            "skullPreparation": Prop("string"),
        },
    ),
    "InhalantOverdose": TypeSchema(
        "1.1.0",
        {
            "anestheticAgent": Prop(
                "string", enum=("Isoflurane", "Sevoflurane", "Halothane", "Desflurane", "Enflurane", "Other")
            ),
            "concentration": Prop("quantity", units=("%", "L/min", "mL/min", "mL/s")),
            "confirmationOfDeath": Prop("array", min_items=0),
            "deliveryMethod": Prop(
                "string", enum=("Anesthesia chamber", "Nose cone", "Intubation", "Bell jar", "Other")
            ),
            "exposureDuration": Prop("quantity", units=("µs", "ms", "s", "min", "h")),
            "oxygenFlowRate": Prop("quantity", units=("%", "L/min", "mL/min", "mL/s")),
            "sedationAgent": Prop("string"),
            "timeToUnconsciousness": Prop("quantity", units=("µs", "ms", "s", "min", "h")),
        },
    ),
    "Injection": TypeSchema(
        "1.1.0",
        {
            "concentration": Prop(
                "quantity", units=("mg/mL", "µg/mL", "g/L", "mg/L", "µg/L", "% w/v", "% v/v", "% w/w")
            ),
            "injectionMethod": Prop(
                "string",
                enum=(
                    "Intracerebroventricular (ICV)",
                    "Intramuscular (IM)",
                    "Intravenous (IV)",
                    "Intradermal (ID)",
                    "Subcutaneous (SC)",
                    "Intracardiac (IC)",
                    "Intraperitoneal (IP)",
                    "Intrathecal (IT)",
                    "Epidural",
                    "Retro-orbital (RO)",
                    "Intranasal (IN)",
                    "Intra-articular",
                    "Intravitreal",
                    "Intralesional",
                ),
            ),
            "injectionProfile": Prop("string", enum=E4),
            "injectionRate": Prop("quantity", units=("mL/s", "µL/s", "mL/min", "µL/min")),
            "injectionSide": Prop("string", enum=("Left", "Right", "Midline", "Unknown")),
            "injectionVolume": Prop("quantity", units=("L", "mL", "µL", "nL", "pL")),
        },
    ),
    "NerveCuffImplant": TypeSchema(
        "1.0.0",
        {
            "anchoringMethod": Prop(
                "string",
                enum=(
                    "suture to surrounding tissue",
                    "tissue glue",
                    "self-closing cuff",
                    "non-anchored (loose fit)",
                    "subcutaneous tunnel",
                    "other",
                ),
            ),
            "cuffMaterial": Prop("string"),
            "cuffType": Prop(
                "string", enum=("monopolar", "bipolar", "tripolar", "multi-contact", "split-ring", "spiral", "other")
            ),
            "electrodeMaterial": Prop("string"),
            "signalTransmission": Prop(
                "string", enum=("tethered", "wireless", "telemetric", "optical", "none", "other")
            ),
            "sterilizationMethod": Prop("string", enum=E1),
            "targetNerve": Prop("string"),
            "wireExitRoute": Prop(
                "string",
                enum=(
                    "subcutaneous tunnel to headcap",
                    "abdominal connector",
                    "dorsal skin exit",
                    "wireless/inductive",
                    "other",
                ),
            ),
        },
        required=("anchoringMethod", "cuffType"),
    ),
    "OdorStimulation": TypeSchema(
        "1.0.0",
        {
            "carrierGas": Prop("string", enum=("Air", "O₂", "N₂", "CO₂", "Other")),
            "deliveryMethod": Prop(
                "string",
                enum=(
                    "Olfactometer",
                    "Manually pipetted",
                    "Syringe injection",
                    "Headspace exposure",
                    "Cotton swab",
                    "Other",
                ),
            ),
            "odorants": Prop("string"),
            "paradigmDescription": Prop("string"),
            "stimulationContext": Prop("string", enum=E5),
        },
    ),
    "OpticFiberImplant": TypeSchema(
        "1.0.0",
        {
            "fiberId": Prop("string"),
            "fiberTipShape": Prop("string"),
            "sterilizationMethod": Prop("string", enum=E3),
        },
    ),
    "PerfusionFixation": TypeSchema(
        "1.1.0",
        {
            "fatalOutcome": Prop("boolean"),
            "perfusionMethod": Prop("string"),
            "volume": Prop("quantity", units=("L", "mL", "µL", "nL", "pL")),
        },
    ),
    "PrismImplant": TypeSchema(
        "1.0.0",
        {
            "mountingMethod": Prop(
                "string", enum=("Cement only", "Cement + baseplate", "Headcap integrated", "Custom holder", "Other")
            ),
            "prismId": Prop("string"),
            "sterilizationMethod": Prop("string", enum=E3),
        },
    ),
    "ReferenceElectrodeImplant": TypeSchema(
        "1.1.0",
        {
            "anchoringMethod": Prop(
                "string", enum=("dental cement", "tissue glue", "bone screw", "subcutaneous tunnel", "other")
            ),
            "electrodeCount": Prop("integer", minimum=1),
            "electrodeDiameter": Prop("quantity", units=("µm", "mm", "nm", "m")),
            "electrodeMaterial": Prop("string"),
            "impedance": Prop("quantity", units=("kΩ", "Ω", "MΩ")),
            "placementSite": Prop("string"),
            "sterilizationMethod": Prop("string", enum=E3),
        },
        required=("electrodeCount", "electrodeMaterial"),
    ),
    "SiliconProbeImplant": TypeSchema(
        "1.0.0",
        {
            "probeId": Prop("string"),
            "sterilizationMethod": Prop("string", enum=E3),
        },
    ),
    "SingleWireElectrodeImplant": TypeSchema(
        "1.1.0",
        {
            "impedance": Prop("quantity", units=("Ω", "kΩ", "MΩ")),
            "sterilizationMethod": Prop("string", enum=E3),
            "wireCount": Prop("integer", minimum=0),
            "wireDiameter": Prop("quantity", units=("µm", "mm", "nm", "m")),
            "wireMaterial": Prop("string"),
        },
        required=("wireCount",),
    ),
    "TactileStimulation": TypeSchema(
        "1.0.0",
        {
            "deliveryMethod": Prop(
                "string",
                enum=(
                    "Manual (e.g., cotton swab)",
                    "Piezo actuator",
                    "Solenoid piston",
                    "Air puff system",
                    "Brush or probe",
                    "Other",
                ),
            ),
            "paradigmDescription": Prop("string"),
            "stimulationContext": Prop("string", enum=E5),
            "stimulationSite": Prop("string"),
            "stimulusTypes": Prop("array"),
        },
        required=("stimulusTypes",),
    ),
    "TemperatureSensorImplant": TypeSchema(
        "1.0.0",
        {
            "anchoringMethod": Prop(
                "string",
                enum=(
                    "sutured",
                    "tissue glue",
                    "subcutaneous tunnel",
                    "cemented to skull",
                    "headcap",
                    "free-floating",
                    "other",
                ),
            ),
            "powerSource": Prop("string", enum=("battery", "inductive", "wired", "passive", "none", "other")),
            "sensorType": Prop(
                "string",
                enum=(
                    "thermocouple",
                    "thermistor",
                    "digital IC",
                    "telemetric sensor",
                    "logger (passive)",
                    "fiber-optic",
                    "other",
                ),
            ),
            "signalTransmission": Prop(
                "string", enum=("tethered", "wireless", "telemetric", "optical", "logger (retrieved)", "none", "other")
            ),
            "sterilizationMethod": Prop("string", enum=E1),
            "wireMaterial": Prop("string"),
        },
        required=("anchoringMethod", "sensorType"),
    ),
    "TetrodeWireElectrodeImplant": TypeSchema(
        "1.1.0",
        {
            "nWiresTetrode": Prop("integer", minimum=0),
            "sterilizationMethod": Prop("string", enum=E3),
            "tetrodeCount": Prop("integer", minimum=0),
            "wireDiameter": Prop("quantity", units=("µm", "mm", "nm", "m")),
            "wireMaterial": Prop("string"),
        },
        required=("tetrodeCount",),
    ),
    "TissueClearing": TypeSchema(
        "1.1.0",
        {
            "agitation": Prop("string", enum=("Gentle shaking", "Rotation", "Static", "Other")),
            "clearingDuration": Prop("quantity", units=("µs", "ms", "s", "min", "h", "days")),
            "clearingMethod": Prop(
                "string",
                enum=(
                    "CLARITY",
                    "CUBIC",
                    "3DISCO",
                    "iDISCO+",
                    "PACT",
                    "ScaleS",
                    "SeeDB",
                    "BABB (Benzyl alcohol/Benzyl benzoate)",
                    "Passive CLARITY",
                    "Other",
                ),
            ),
            "complications": Prop("string"),
            "fixationTime": Prop("quantity", units=("µs", "ms", "s", "min", "h", "days")),
            "imagingCompatible": Prop("boolean"),
            "refractiveIndexMatching": Prop("string"),
            "temperature": Prop("quantity", units=("°C", "K", "°F")),
            "tissueType": Prop("string"),
            "transparency": Prop("string", enum=("Complete", "Partial", "Poor", "Failed")),
        },
        required=("clearingMethod",),
    ),
    "VibratomeSectioning": TypeSchema(
        "1.1.0",
        {
            "amplitude": Prop("string", enum=("Minimum", "Low", "Medium", "High", "Maximum")),
            "bladeType": Prop(
                "string", enum=("Disposable razor blade", "Steel blade", "Ceramic blade", "Sapphire blade", "Other")
            ),
            "buffer": Prop("string"),
            "bufferTemperature": Prop("quantity", units=("°C", "K", "°F")),
            "cuttingSpeed": Prop("string", enum=("Very slow", "Slow", "Medium", "Fast", "Very fast")),
            "frequency": Prop("quantity", units=("Hz", "kHz", "MHz", "GHz")),
            "numberOfSections": Prop("number", minimum=0),
            "sectionQuality": Prop("string", enum=("Excellent", "Good", "Fair", "Poor")),
            "sectionThickness": Prop("quantity", units=("µm", "mm", "nm", "m")),
            "sectioningOrientation": Prop("string", enum=("Coronal", "Sagittal", "Horizontal", "Other")),
            "storageMethod": Prop(
                "string", enum=("Free-floating in buffer", "Mounted immediately", "Stored in multiwell plates", "Other")
            ),
        },
        required=("bladeType",),
    ),
    "VirusInjection": TypeSchema(
        "1.1.0",
        {
            "injectionProfile": Prop("string", enum=E4),
            "injectionRate": Prop("quantity", units=("nL/min", "µL/min", "mL/min", "nL/s", "µL/s")),
            "injectionVolume": Prop("quantity", units=("nL", "µL", "mL", "L")),
            "titer": Prop("quantity", units=("vg/mL", "TU/mL", "pfu/mL")),
        },
    ),
    "VisualStimulation": TypeSchema(
        "1.0.0",
        {
            "paradigmDescription": Prop("string"),
            "presentationDevice": Prop(
                "string",
                enum=(
                    "Monitor",
                    "LED panel",
                    "Projector",
                    "Head-mounted display",
                    "Fiber-coupled light source",
                    "Other",
                ),
            ),
            "stimulationContext": Prop("string", enum=E5),
            "stimulationPosition": Prop(
                "string", enum=("Contralateral", "Ipsilateral", "Bilateral", "Centered", "Surround", "Other", "Unknown")
            ),
            "stimulusTypes": Prop("array"),
        },
        required=("stimulusTypes",),
    ),
}

COORDINATES: dict[str, TypeSchema] = {
    "CCF_XYZ_Absolute": TypeSchema(
        "1.1.0",
        {
            "x": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "xAngle": Prop("quantity", units=("°",)),
            "y": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "yAngle": Prop("quantity", units=("°",)),
            "z": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "zAngle": Prop("quantity", units=("°",)),
        },
    ),
    "External_XYZ_Absolute": TypeSchema(
        "1.1.0",
        {
            "x": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "xAngle": Prop("quantity", units=("°",)),
            "y": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "yAngle": Prop("quantity", units=("°",)),
            "z": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "zAngle": Prop("quantity", units=("°",)),
        },
    ),
    "Stereotaxic_BregmaAbsolute": TypeSchema(
        "1.1.0",
        {
            "apAngle": Prop("quantity", units=("°",)),
            "apCoordinate": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "dvAngle": Prop("quantity", units=("°",)),
            "dvCoordinate": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "mlAngle": Prop("quantity", units=("°",)),
            "mlCoordinate": Prop("quantity", units=("nm", "µm", "mm", "m")),
        },
    ),
    "Stereotaxic_BregmaBrainSurface": TypeSchema(
        "1.1.0",
        {
            "apAngle": Prop("quantity", units=("°",)),
            "apCoordinate": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "depth": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "mlAngle": Prop("quantity", units=("°",)),
            "mlCoordinate": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "rotation": Prop("quantity", units=("°",)),
        },
    ),
    "Stereotaxic_LambdaAbsolute": TypeSchema(
        "1.1.0",
        {
            "apAngle": Prop("quantity", units=("°",)),
            "apCoordinate": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "dvAngle": Prop("quantity", units=("°",)),
            "dvCoordinate": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "mlAngle": Prop("quantity", units=("°",)),
            "mlCoordinate": Prop("quantity", units=("nm", "µm", "mm", "m")),
        },
    ),
    "Stereotaxic_LambdaBrainSurface": TypeSchema(
        "1.1.0",
        {
            "apAngle": Prop("quantity", units=("°",)),
            "apCoordinate": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "depth": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "mlAngle": Prop("quantity", units=("°",)),
            "mlCoordinate": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "rotation": Prop("quantity", units=("°",)),
        },
    ),
}

DATA_ACQUISITION: dict[str, TypeSchema] = {
    "Audio": TypeSchema(
        "1.1.0",
        {
            "bitDepth": Prop("integer", minimum=0),
            "codec": Prop("string"),
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "nChannels": Prop("integer", minimum=1),
            "nSamples": Prop("integer", minimum=0),
            "sr": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
        },
    ),
    "BehavioralTracking": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
    "ComputedTomography": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
    "ConfocalMicroscopy": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "excitationWavelength": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
            "xVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "yVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "zVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
        },
    ),
    "Electroencephalography": TypeSchema(
        "1.1.0",
        {
            "channelTags": Prop("array"),
            "electrodeGroups": Prop("array"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "lsb": Prop("quantity", units=("V", "mV", "µV", "nV")),
            "nChannels": Prop("integer", minimum=0),
            "nSamples": Prop("integer", minimum=0),
            "sr": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "type": Prop("string"),
        },
    ),
    "Electroneurogram": TypeSchema(
        "1.1.0",
        {
            "channelTags": Prop("array"),
            "electrodeGroups": Prop("array"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "lsb": Prop("quantity", units=("V", "mV", "µV", "nV")),
            "nChannels": Prop("integer", minimum=0),
            "nSamples": Prop("integer", minimum=0),
            "sr": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "type": Prop("string"),
        },
    ),
    "ExtracellularEphys": TypeSchema(
        "1.1.0",
        {
            "channelTags": Prop("array"),
            "electrodeGroups": Prop("array"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "lsb": Prop("quantity", units=("V", "mV", "µV", "nV")),
            "nChannels": Prop("integer", minimum=0),
            "nSamples": Prop("integer", minimum=0),
            "sr": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "type": Prop("string"),
        },
    ),
    "FiberPhotometry": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "excitationWavelength": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
        },
    ),
    "FunctionalMagneticResonanceImaging": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
    "FunctionalUltrasoundImaging": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
    "GeneralTimeSeries": TypeSchema(
        "1.1.0",
        {
            "channelTags": Prop("array"),
            "electrodeGroups": Prop("array"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "lsb": Prop("quantity", units=("V", "mV", "µV", "nV")),
            "nChannels": Prop("integer", minimum=0),
            "nSamples": Prop("integer", minimum=0),
            "sr": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "type": Prop("string"),
        },
    ),
    "IntracellularEphys": TypeSchema(
        "1.1.0",
        {
            "fileName": Prop("string"),
            "format": Prop("string"),
            "lsb": Prop("quantity", units=("V", "mV", "µV", "nV")),
            "nChannels": Prop("integer", minimum=0),
            "nSamples": Prop("integer", minimum=0),
            "sr": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "type": Prop("string"),
        },
    ),
    "LightFieldMicroscopy": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "excitationWavelength": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
            "xVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "yVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "zVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
        },
    ),
    "MagneticResonanceImaging": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("Hz", "kHz", "MHz", "GHz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "magneticFieldStrength": Prop("quantity", units=("T", "mT", "µT")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
    "Magnetoencephalography": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
    "Miniscope": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
    "OpticalCoherenceTomography": TypeSchema(
        "1.1.0",
        {
            "averages": Prop("integer", minimum=0),
            "axialResolution": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "bandwidth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "centerWavelength": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "lateralResolution": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "nFrames": Prop("integer", minimum=0),
            "scanArea": Prop("quantity", units=("m²", "cm²", "mm²", "µm²", "nm²")),
            "scanPattern": Prop("string"),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
    "PositronEmissionTomography": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
    "SinglePhotonEmissionComputedTomography": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
    "SinglePhotonMicroscopy": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "excitationWavelength": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
            "xVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "yVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "zVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
        },
    ),
    "ThreePhotonMicroscopy": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "excitationWavelength": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
            "xVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "yVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "zVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
        },
    ),
    "TwoPhotonMicroscopy": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "excitationWavelength": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "imagingDepth": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "laserPower": Prop("quantity", units=("kW", "W", "mW", "µW")),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
            "xVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "yVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
            "zVoxelSize": Prop("quantity", units=("m", "cm", "mm", "µm", "nm")),
        },
    ),
    "VideoTracking": TypeSchema(
        "1.1.0",
        {
            "compression": Prop("string"),
            "fileName": Prop("string"),
            "format": Prop("string"),
            "frameRate": Prop("quantity", units=("GHz", "MHz", "kHz", "Hz")),
            "horizontalResolution": Prop("integer", minimum=0),
            "nFrames": Prop("integer", minimum=0),
            "verticalResolution": Prop("integer", minimum=0),
        },
    ),
}

MANIPULATION: dict[str, TypeSchema] = {
    "AuditoryStimulation": TypeSchema(
        "1.1.0",
        {
            "amplitude": Prop("quantity", units=("dB", "dB SPL", "Pa")),
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "dutyCycle": Prop("number", minimum=0),
            "frequency": Prop("quantity", units=("Hz", "kHz", "MHz")),
            "modulationFrequency": Prop("quantity", units=("Hz", "kHz", "MHz")),
            "profile": Prop("string", enum=E2),
            "repetitions": Prop("integer", minimum=0),
        },
        rows=True,
    ),
    "DeepBrainStimulation": TypeSchema(
        "1.1.0",
        {
            "amplitude": Prop("quantity", units=("A", "mA", "µA", "nA")),
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "dutyCycle": Prop("number", minimum=0),
            "injectionPolarity": Prop("string"),
            "profile": Prop("string", enum=E2),
            "repetitions": Prop("integer", minimum=0),
        },
        rows=True,
    ),
    "ElectricalStimulation": TypeSchema(
        "1.1.0",
        {
            "amplitude": Prop("quantity", units=("V", "mV", "µV")),
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "dutyCycle": Prop("number", minimum=0),
            "injectionPolarity": Prop("string"),
            "profile": Prop("string", enum=E2),
            "repetitions": Prop("integer", minimum=0),
        },
        rows=True,
    ),
    "ElectromagneticFieldStimulation": TypeSchema(
        "1.1.0",
        {
            "amplitude": Prop("quantity", units=("V", "mV", "µV")),
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "dutyCycle": Prop("number", minimum=0),
            "injectionPolarity": Prop("string"),
            "profile": Prop("string", enum=E2),
            "repetitions": Prop("integer", minimum=0),
        },
        rows=True,
    ),
    "LiquidPerturbation": TypeSchema(
        "1.1.0",
        {
            "closedLoop": Prop("boolean"),
            "concentration": Prop("quantity", units=("mg/mL", "µg/mL", "ng/mL", "M", "mM", "µM", "nM")),
            "flowRate": Prop("quantity", units=("µL/min", "mL/min", "L/min", "nL/min", "µL/s", "mL/s")),
            "liquidAgent": Prop("string"),
            "profile": Prop("string", enum=E4),
            "repetitions": Prop("integer", minimum=0),
            "volume": Prop("quantity", units=("µL", "mL", "L", "nL")),
        },
        rows=True,
    ),
    "Microperfusion": TypeSchema(
        "1.1.0",
        {
            "closedLoop": Prop("boolean"),
            "concentration": Prop("quantity", units=("mg/mL", "µg/mL", "ng/mL", "M", "mM", "µM", "nM")),
            "flowRate": Prop("quantity", units=("µL/min", "mL/min", "L/min", "nL/min", "µL/s", "mL/s")),
            "liquidAgent": Prop("string"),
            "profile": Prop("string", enum=E4),
            "repetitions": Prop("integer", minimum=0),
            "volume": Prop("quantity", units=("µL", "mL", "L", "nL")),
        },
        rows=True,
    ),
    "MultisensoryStimulation": TypeSchema(
        "1.1.0",
        {
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "modalities": Prop("array"),
            "repetitions": Prop("integer", minimum=0),
            "synchronization": Prop("string", enum=("Synchronous", "Asynchronous", "Randomized", "Unknown")),
        },
        rows=True,
    ),
    "OdorStimulation": TypeSchema(
        "1.1.0",
        {
            "concentration": Prop(
                "quantity", units=("mg/mL", "µg/mL", "g/L", "mg/L", "µg/L", "% w/v", "% v/v", "% w/w")
            ),
            "flowRate": Prop("quantity", units=("mL/min", "µL/min", "mL/s", "µL/s", "L/min")),
            "inhalationPhase": Prop("string"),
            "odor": Prop("string"),
            "repetitions": Prop("integer", minimum=0),
        },
        rows=True,
    ),
    "OptogeneticStimulation": TypeSchema(
        "1.1.0",
        {
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "dutyCycle": Prop("number", minimum=0),
            "power": Prop("quantity", units=("W", "mW", "µW")),
            "profile": Prop("string", enum=E2),
            "repetitions": Prop("integer", minimum=0),
            "wavelength": Prop("quantity", units=("nm", "µm", "mm", "m")),
        },
        rows=True,
    ),
    "PharmacologicalInhalation": TypeSchema(
        "1.1.0",
        {
            "analgesic": Prop("string"),
            "closedLoop": Prop("boolean"),
            "concentration": Prop(
                "quantity", units=("mg/mL", "µg/mL", "g/L", "mg/L", "µg/L", "% w/v", "% v/v", "% w/w")
            ),
            "flowRate": Prop("quantity", units=("µL/min", "mL/min", "µL/s", "mL/s", "L/min")),
            "liquidAgent": Prop("string"),
            "profile": Prop(
                "string",
                enum=(
                    "Bolus Inhalation",
                    "Continuous Inhalation",
                    "Controlled Release Inhalation",
                    "Deep Lung Inhalation",
                    "High-Frequency Inhalation",
                    "Holding Breath",
                    "Low Volume Inhalation",
                    "Positive Pressure Inhalation",
                    "Pulse Inhalation",
                    "Ramp Inhalation",
                    "Rescue Inhalation",
                    "Stacked Breathing",
                    "Tidal Breathing",
                ),
            ),
            "repetitions": Prop("integer", minimum=0),
            "sedative": Prop("string"),
            "volume": Prop("quantity", units=("L", "mL", "µL", "nL", "pL")),
        },
        rows=True,
    ),
    "PharmacologicalInjection": TypeSchema(
        "1.1.0",
        {
            "closedLoop": Prop("boolean"),
            "concentration": Prop("quantity", units=("mg/mL", "µg/mL", "ng/mL", "M", "mM", "µM", "nM")),
            "flowRate": Prop("quantity", units=("µL/min", "mL/min", "L/min", "nL/min", "µL/s", "mL/s")),
            "liquidAgent": Prop("string"),
            "profile": Prop("string", enum=E4),
            "repetitions": Prop("integer", minimum=0),
            "volume": Prop("quantity", units=("µL", "mL", "L", "nL")),
        },
        rows=True,
    ),
    "PharmacologicalSuperfusion": TypeSchema(
        "1.1.0",
        {
            "closedLoop": Prop("boolean"),
            "concentration": Prop("quantity", units=("mg/mL", "µg/mL", "ng/mL", "M", "mM", "µM", "nM")),
            "flowRate": Prop("quantity", units=("µL/min", "mL/min", "L/min", "nL/min", "µL/s", "mL/s")),
            "liquidAgent": Prop("string"),
            "profile": Prop("string", enum=E4),
            "repetitions": Prop("integer", minimum=0),
            "volume": Prop("quantity", units=("µL", "mL", "L", "nL")),
        },
        rows=True,
    ),
    "TactileStimulation": TypeSchema(
        "1.1.0",
        {
            "closedLoop": Prop("boolean"),
            "contactType": Prop(
                "string",
                enum=("Mechanical (contact)", "Mechanical (vibration)", "Air puff", "Brush", "Cotton swab", "Other"),
            ),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "force": Prop("quantity", units=("mN", "N", "µN", "gf", "kgf")),
            "profile": Prop(
                "string",
                enum=(
                    "Single pulse",
                    "Pulse train",
                    "Sinusoidal",
                    "Square wave",
                    "Sawtooth",
                    "Burst",
                    "Ramp",
                    "Step function",
                    "Manual",
                ),
            ),
            "repetitions": Prop("integer", minimum=0),
            "site": Prop("string"),
        },
        rows=True,
    ),
    "ThermalPerturbation": TypeSchema(
        "1.1.0",
        {
            "amplitude": Prop("quantity", units=("°C", "K", "°F")),
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "dutyCycle": Prop("number", minimum=0),
            "profile": Prop(
                "string",
                enum=(
                    "Amplitude Modulated",
                    "Burst",
                    "Chirp",
                    "Decaying Exponential",
                    "Gaussian Pulse",
                    "Harmonic Stimulation",
                    "Gaussian Noise",
                    "Pseudo-random Binary Sequence",
                    "Pink Noise",
                    "Pulse train",
                    "Sawtooth",
                    "Staircase",
                    "Sine Wave",
                    "Sinc Pulse",
                    "Square",
                    "Stochastic",
                    "Step Function",
                    "Ramp",
                    "Rising Exponential",
                    "Trapezoidal Pulse",
                    "Triangle",
                    "Variable Rate Pulse Train",
                    "White Noise",
                ),
            ),
            "repetitions": Prop("integer", minimum=0),
        },
        rows=True,
    ),
    "TranscranialElectricalStimulation": TypeSchema(
        "1.1.0",
        {
            "amplitude": Prop("quantity", units=("A", "mA", "µA", "nA")),
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "dutyCycle": Prop("number", minimum=0),
            "injectionPolarity": Prop("string"),
            "profile": Prop("string", enum=E2),
            "repetitions": Prop("integer", minimum=0),
        },
        rows=True,
    ),
    "TranscranialMagneticStimulation": TypeSchema(
        "1.1.0",
        {
            "amplitude": Prop("quantity", units=("% MSO", "T", "mT", "µT")),
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "dutyCycle": Prop("number", minimum=0),
            "injectionPolarity": Prop("string"),
            "profile": Prop("string", enum=E2),
            "repetitions": Prop("integer", minimum=0),
        },
        rows=True,
    ),
    "UltrasoundStimulation": TypeSchema(
        "1.1.0",
        {
            "acousticIntensity": Prop("quantity", units=("W/cm²", "mW/cm²")),
            "acousticPressure": Prop("quantity", units=("Pa", "kPa", "MPa")),
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "dutyCycle": Prop("number", minimum=0),
            "injectionPolarity": Prop("string"),
            "profile": Prop("string", enum=E2),
            "repetitions": Prop("integer", minimum=0),
        },
        rows=True,
    ),
    "VisualStimulation": TypeSchema(
        "1.1.0",
        {
            "closedLoop": Prop("boolean"),
            "duration": Prop("quantity", units=("s", "ms", "µs", "min", "h")),
            "presentationDevice": Prop(
                "string",
                enum=(
                    "Monitor",
                    "LED panel",
                    "Projector",
                    "Head-mounted display",
                    "Fiber-coupled light source",
                    "Other",
                ),
            ),
            "repetitions": Prop("integer", minimum=0),
            "stimulationPosition": Prop(
                "string", enum=("Contralateral", "Ipsilateral", "Bilateral", "Centered", "Surround", "Other", "Unknown")
            ),
            "stimulusTypes": Prop("array"),
        },
        rows=True,
    ),
}

EQUIPMENT: dict[str, TypeSchema] = {
    "Amplifier": TypeSchema("1.0.0", {}, open=True),
    "AnesthesiaSystem": TypeSchema("1.0.0", {}, open=True),
    "AntiVibrationTable": TypeSchema("1.0.0", {}, open=True),
    "BehaviorRig": TypeSchema("1.0.0", {}, open=True),
    "BiosafetyCabinet": TypeSchema("1.0.0", {}, open=True),
    "Camera": TypeSchema("1.0.0", {}, open=True),
    "Computer": TypeSchema("1.0.0", {}, open=True),
    "DataAcquisitionSystem": TypeSchema("1.0.0", {}, open=True),
    "DrugDeliverySystem": TypeSchema("1.0.0", {}, open=True),
    "ElectroencephalographySystem": TypeSchema("1.0.0", {}, open=True),
    "ElectromyographyMachine": TypeSchema("1.0.0", {}, open=True),
    "ElectronicComponent": TypeSchema("1.0.0", {}, open=True),
    "EphysRig": TypeSchema("1.0.0", {}, open=True),
    "FiberPhotometrySystem": TypeSchema("1.0.0", {}, open=True),
    "FloatingAirPlatform": TypeSchema("1.0.0", {}, open=True),
    "ForcePlate": TypeSchema("1.0.0", {}, open=True),
    "FumeHood": TypeSchema("1.0.0", {}, open=True),
    "GlassMicropipettePuller": TypeSchema("1.0.0", {}, open=True),
    "HumidityController": TypeSchema("1.0.0", {}, open=True),
    "HumiditySensor": TypeSchema("1.0.0", {}, open=True),
    "InjectionSystem": TypeSchema("1.0.0", {}, open=True),
    "IontophoresisStimulator": TypeSchema("1.0.0", {}, open=True),
    "Laser": TypeSchema("1.0.0", {}, open=True),
    "LedDriver": TypeSchema("1.0.0", {}, open=True),
    "LightEmitter": TypeSchema("1.0.0", {}, open=True),
    "LightSensor": TypeSchema("1.0.0", {}, open=True),
    "MagneticResonanceImagingSystem": TypeSchema("1.0.0", {}, open=True),
    "MagnetoencephalographySystem": TypeSchema("1.0.0", {}, open=True),
    "Magnetometer": TypeSchema("1.0.0", {}, open=True),
    "Microcontroller": TypeSchema("1.0.0", {}, open=True),
    "Micromanipulator": TypeSchema("1.0.0", {}, open=True),
    "Microphone": TypeSchema("1.0.0", {}, open=True),
    "Microscope": TypeSchema("1.0.0", {}, open=True),
    "Miniscope": TypeSchema("1.0.0", {}, open=True),
    "Monitor": TypeSchema("1.0.0", {}, open=True),
    "MotionTrackingSystem": TypeSchema("1.0.0", {}, open=True),
    "NoiseIsolationChamber": TypeSchema("1.0.0", {}, open=True),
    "OnePhotonMicroscope": TypeSchema("1.0.0", {}, open=True),
    "OphysRig": TypeSchema("1.0.0", {}, open=True),
    "OpticalCoherenceTomography": TypeSchema("1.0.0", {}, open=True),
    "Oscilloscope": TypeSchema("1.0.0", {}, open=True),
    "PerfusionSystem": TypeSchema("1.0.0", {}, open=True),
    "Photodetector": TypeSchema("1.0.0", {}, open=True),
    "PressureSensor": TypeSchema("1.0.0", {}, open=True),
    "RunningWheel": TypeSchema("1.0.0", {}, open=True),
    "SignalProcessingUnit": TypeSchema("1.0.0", {}, open=True),
    "SingleBoardComputer": TypeSchema("1.0.0", {}, open=True),
    "SinglePhotonEmissionComputedTomography": TypeSchema("1.0.0", {}, open=True),
    "Speaker": TypeSchema("1.0.0", {}, open=True),
    "StereotaxicFrame": TypeSchema("1.0.0", {}, open=True),
    "StimulationDevice": TypeSchema("1.0.0", {}, open=True),
    "SurgicalPowerTool": TypeSchema("1.0.0", {}, open=True),
    "TemperatureSensor": TypeSchema("1.0.0", {}, open=True),
    "ThermalController": TypeSchema("1.0.0", {}, open=True),
    "ThreePhotonMicroscopy": TypeSchema("1.0.0", {}, open=True),
    "Treadmill": TypeSchema("1.0.0", {}, open=True),
    "TwoPhotonMicroscope": TypeSchema("1.0.0", {}, open=True),
    "UltrasoundImagingSystem": TypeSchema("1.0.0", {}, open=True),
}

CONSUMABLE_STOCK: dict[str, TypeSchema] = {
    "ChemicalReagent": TypeSchema(
        "1.2.0",
        {
            "amount": Prop("string"),
            "batchId": Prop("string"),
            "chemicalType": Prop(
                "string",
                enum=(
                    "Detergent",
                    "Enzyme",
                    "Fixative",
                    "Indicator or pH Adjuster",
                    "Salt or Buffer",
                    "Solvent",
                    "Stain or Dye",
                    "Polymer or Resin",
                    "Other",
                ),
            ),
            "compoundName": Prop("string"),
            "concentration": Prop("string"),
            "hazardInfo": Prop("string"),
            "molecularWeight": Prop("quantity", units=("g/mol", "kDa", "Da")),
            "purity": Prop("string"),
        },
        required=("chemicalType",),
    ),
    "ConsumableDevice": TypeSchema(
        "1.0.0",
        {
            "compatibleWith": Prop("string"),
            "connectivity": Prop("string"),
            "deviceClass": Prop(
                "string",
                enum=(
                    "Headstage",
                    "Headstage Adapter",
                    "Miniscope Baseplate",
                    "Microdrive",
                    "Drive Mount",
                    "Fiber Cannula Assembly",
                    "Commutator Adapter",
                    "Thermal Interface Board",
                    "Connector Assembly",
                    "Custom Fixture",
                    "Other",
                ),
            ),
            "dimensions": Prop("string"),
            "experimentalUse": Prop("array"),
            "material": Prop("string"),
            "productId": Prop("string"),
        },
        required=("deviceClass",),
    ),
    "ImmunoReagent": TypeSchema(
        "1.1.0",
        {
            "amount": Prop("string"),
            "application": Prop("array"),
            "batchId": Prop("string"),
            "clonality": Prop("string", enum=("Monoclonal", "Polyclonal", "Recombinant", "Unknown")),
            "conjugate": Prop("string"),
            "dilution": Prop("string"),
            "hostSpecies": Prop("string"),
            "reactivity": Prop("string"),
            "reagentType": Prop(
                "string",
                enum=("Primary Antibody", "Secondary Antibody", "Fluorescent Label", "DNA Counterstain", "Other"),
            ),
            "targetAntigen": Prop("string"),
        },
        required=("reagentType",),
    ),
    "ImplantMaterial": TypeSchema(
        "1.0.0",
        {
            "amount": Prop("string"),
            "batchId": Prop("string"),
            "preparationInstructions": Prop("string"),
            "sterile": Prop("boolean"),
        },
    ),
    "OpticFiber": TypeSchema(
        "1.0.0",
        {
            "fiberIds": Prop("string"),
            "quantity": Prop("integer", minimum=0),
        },
    ),
    "OpticalComponent": TypeSchema(
        "1.2.0",
        {
            "coating": Prop("string"),
            "componentType": Prop(
                "string",
                enum=(
                    "GRIN Lens",
                    "Cranial Window",
                    "Cover Glass",
                    "Microprism",
                    "Beamsplitter",
                    "Optical Filter",
                    "Relay Lens",
                    "Other",
                ),
            ),
            "dimensions": Prop("string"),
            "experimentalUse": Prop("array"),
            "material": Prop("string"),
            "productId": Prop("string"),
            "sterile": Prop("boolean"),
            "wavelengthMax": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "wavelengthMin": Prop("quantity", units=("nm", "µm", "mm", "m")),
        },
        required=("componentType",),
    ),
    "PharmacologicalAgent": TypeSchema(
        "1.1.0",
        {
            "activeIngredient": Prop("string"),
            "amount": Prop("string"),
            "batchId": Prop("string"),
            "concentration": Prop("string"),
            "dosageForm": Prop(
                "string", enum=("Solution", "Suspension", "Tablet", "Capsule", "Injection", "Topical", "Patch", "Other")
            ),
            "experimentalUse": Prop("array"),
            "formulation": Prop("string"),
            "pharmacologicalCategory": Prop(
                "string",
                enum=(
                    "Analgesic",
                    "Anesthetic",
                    "Antibiotic",
                    "Neuroactive",
                    "Recreational",
                    "Vehicle",
                    "Experimental",
                    "Other",
                ),
            ),
            "pharmacologicalClass": Prop("string"),
            "purity": Prop("string"),
            "routeOfAdministration": Prop(
                "string",
                enum=(
                    "Intraperitoneal (IP)",
                    "Intravenous (IV)",
                    "Subcutaneous (SC)",
                    "Oral",
                    "Topical",
                    "Inhalation",
                    "Intracerebral",
                    "Other",
                ),
            ),
        },
        required=("pharmacologicalCategory",),
    ),
    "PhysiologicalSolution": TypeSchema(
        "1.1.0",
        {
            "amount": Prop("string"),
            "composition": Prop("string"),
            "osmolality": Prop("string"),
            "pH": Prop("number", minimum=0),
            "preparationInstructions": Prop("string"),
            "purpose": Prop("array"),
            "solutionName": Prop("string"),
            "sterile": Prop("boolean"),
        },
    ),
    "SiliconProbe": TypeSchema(
        "1.0.0",
        {
            "probeIds": Prop("string"),
            "quantity": Prop("integer", minimum=0),
        },
    ),
    "SingleWireElectrode": TypeSchema(
        "1.1.0",
        {
            "length": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "quantity": Prop("integer", minimum=0),
            "wireIds": Prop("string"),
        },
    ),
    "SurgicalDisposable": TypeSchema(
        "1.0.0",
        {
            "batchId": Prop("string"),
            "quantity": Prop("integer", minimum=0),
            "sterile": Prop("boolean"),
        },
    ),
    "TracerDye": TypeSchema(
        "1.2.0",
        {
            "amount": Prop("string"),
            "batchId": Prop("string"),
            "dyeType": Prop(
                "string",
                enum=(
                    "Fluorescent Tracer",
                    "Lipophilic Dye",
                    "Retrograde Tracer",
                    "Anterograde Tracer",
                    "Histological Dye",
                    "Vital Stain",
                    "Injection Marker",
                    "Other",
                ),
            ),
            "emissionPeak": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "excitationPeak": Prop("quantity", units=("nm", "µm", "mm", "m")),
            "experimentalUse": Prop("array"),
            "fluorophore": Prop("string"),
            "preparationInstructions": Prop("string"),
            "routeOfApplication": Prop("string", enum=("Injection", "Perfusion", "Topical", "Incubation", "Other")),
            "solvent": Prop("string"),
        },
        required=("dyeType",),
    ),
    "VirusSolution": TypeSchema(
        "1.1.1",
        {
            "aliquotCount": Prop("integer", minimum=0),
            "aliquotVolume": Prop("quantity", units=("nL", "µL", "mL", "L")),
            "batchId": Prop("string"),
            "titer": Prop("quantity", units=("vg/mL", "TU/mL", "pfu/mL")),
            "volume": Prop("quantity", units=("nL", "µL", "mL", "L")),
        },
    ),
}

PROCEDURE_LOG: dict[str, TypeSchema] = {
    "Impedances": TypeSchema(
        "1.0.1",
        {
            "channels": Prop("array"),
            "impedances": Prop("array", min_items=1),
            "phases": Prop("array"),
        },
        required=("impedances",),
    ),
    "LinearDisplacement": TypeSchema(
        "1.1.0",
        {
            "displacement": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
        },
        required=("displacement",),
    ),
    "Tetrodes4": TypeSchema(
        "1.1.0",
        {
            "tetrode_1": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
            "tetrode_2": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
            "tetrode_3": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
            "tetrode_4": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
        },
    ),
    "Tetrodes8": TypeSchema(
        "1.1.0",
        {
            "tetrode_1": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
            "tetrode_2": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
            "tetrode_3": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
            "tetrode_4": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
            "tetrode_5": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
            "tetrode_6": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
            "tetrode_7": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
            "tetrode_8": Prop("quantity", units=("nm", "µm", "mm", "cm", "m")),
        },
    ),
}

SUBJECT_LOG: dict[str, TypeSchema] = {
    "FoodConsumption": TypeSchema(
        "1.1.0",
        {
            "foodAmount": Prop("quantity", units=("kg", "g", "mg", "µg")),
        },
        required=("foodAmount",),
    ),
    "FoodDeprivation": TypeSchema(
        "1.0.0",
        {
            "protocol": Prop("string"),
            "responsiblePerson": Prop("string"),
        },
        required=("responsiblePerson",),
    ),
    "GenericObservation": TypeSchema(
        "1.0.0",
        {
            "observation": Prop("string"),
            "observationType": Prop(
                "string",
                enum=(
                    "Pain score",
                    "Grooming",
                    "Exploration",
                    "Freezing",
                    "Facial expression",
                    "Unusual behavior",
                    "Other",
                ),
            ),
            "repetitions": Prop("integer", minimum=1),
        },
        required=("observation", "observationType"),
    ),
    "Genotyping": TypeSchema(
        "1.0.0",
        {
            "assayPanel": Prop("string"),
            "lociResults": Prop("array"),
            "qcConfidence": Prop("string", enum=("high", "medium", "low", "ambiguous", "failed")),
            "result": Prop("string"),
            "sample": Prop("string"),
        },
        required=("result", "sample"),
    ),
    "Habituation": TypeSchema(
        "1.0.0",
        {
            "habituationMethod": Prop("string"),
        },
    ),
    "Handling": TypeSchema(
        "1.0.0",
        {
            "handlingMethod": Prop("string"),
        },
    ),
    "HargreavesTest": TypeSchema(
        "1.1.0",
        {
            "cutoffLatency": Prop("quantity", units=("µs", "ms", "s", "min", "h")),
            "latency": Prop("quantity", units=("µs", "ms", "s", "min", "h")),
            "repetitions": Prop("integer", minimum=1),
            "responseScore": Prop("integer", enum=(0, 1, 2, 3), minimum=0, maximum=3),
            "stimulusLocation": Prop(
                "string",
                enum=(
                    "Left hind paw",
                    "Right hind paw",
                    "Left forepaw",
                    "Right forepaw",
                    "Face (left)",
                    "Face (right)",
                    "Tail",
                    "Other",
                ),
            ),
        },
        required=("latency", "responseScore", "stimulusLocation"),
    ),
    "Housing": TypeSchema(
        "1.0.0",
        {
            "cageId": Prop("string"),
            "cageType": Prop("string"),
            "enrichment": Prop("string"),
            "lightCycle": Prop("string"),
            "location": Prop("string"),
        },
    ),
    "TrainingSession": TypeSchema(
        "1.0.0",
        {
            "performance": Prop("string"),
            "reinforcementType": Prop("string"),
            "setup": Prop("string"),
            "task": Prop("string"),
        },
    ),
    "VonFreyTest": TypeSchema(
        "1.1.0",
        {
            "repetitions": Prop("integer", minimum=1),
            "responseScore": Prop("integer", enum=(0, 1, 2, 3), minimum=0, maximum=3),
            "stimulusForce": Prop("quantity", units=("mg", "g", "kg")),
            "stimulusLocation": Prop(
                "string",
                enum=(
                    "Left hind paw",
                    "Right hind paw",
                    "Left forepaw",
                    "Right forepaw",
                    "Face (left)",
                    "Face (right)",
                    "Tail",
                    "Other",
                ),
            ),
        },
        required=("responseScore", "stimulusForce", "stimulusLocation"),
    ),
    "WaterConsumption": TypeSchema(
        "1.1.0",
        {
            "waterAmount": Prop("quantity", units=("L", "mL", "µL", "nL", "pL")),
        },
        required=("waterAmount",),
    ),
    "WaterDeprivation": TypeSchema(
        "1.0.0",
        {
            "protocol": Prop("string"),
            "responsiblePerson": Prop("string"),
        },
        required=("responsiblePerson",),
    ),
    "Weighing": TypeSchema(
        "1.1.0",
        {
            "weight": Prop("quantity", units=("kg", "g", "mg", "µg")),
        },
        required=("weight",),
    ),
    "Wellness": TypeSchema(
        "1.0.0",
        {
            "wellness": Prop("string"),
        },
        required=("wellness",),
    ),
}


# ---------------------------------------------------------------------------------------------
# Resources: consumable (design) ``details`` (``brainstem.md`` Appendix B)
# ---------------------------------------------------------------------------------------------
#
# No schema is published; these follow the 2026 data-model property lists in camelCase, and accept the keys of
# the API page's own examples (``product_id``, ``virus_type``, ``notes``, ``shanksSpacing``, ``tipDescription``,
# ``outerDiameter``, ``aperture``, ...). A property the data model marks required is required here unless the API
# page's example omits it (optic fiber design). Unknown keys are rejected, as for every other family.

_TEXT = Prop("string")
_NUMBER = Prop("number", minimum=0)
_COMMON = {"productId": _TEXT, "product_id": _TEXT, "storageConditions": _TEXT, "experimentalUse": Prop("array")}
_WIRE = TypeSchema(
    "1.0.0",
    {**_COMMON, "material": _TEXT, "insulation": _TEXT, "diameter": _NUMBER, "insulationDiameter": _NUMBER},
)

CONSUMABLE: dict[str, TypeSchema] = {
    "ChemicalReagent": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "compoundName": _TEXT,
            "chemicalType": CONSUMABLE_STOCK["ChemicalReagent"].properties["chemicalType"],
            "concentration": _TEXT,
            "molecularWeight": Prop("quantity", units=("g/mol", "kDa", "Da")),
            "purity": _TEXT,
            "hazardInfo": _TEXT,
        },
        required=("chemicalType",),
    ),
    "ImmunoReagent": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "targetAntigen": _TEXT,
            "reagentType": CONSUMABLE_STOCK["ImmunoReagent"].properties["reagentType"],
            "hostSpecies": _TEXT,
            "reactivity": _TEXT,
            "clonality": CONSUMABLE_STOCK["ImmunoReagent"].properties["clonality"],
            "conjugate": _TEXT,
            "application": Prop("array"),
            "dilution": _TEXT,
        },
        required=("targetAntigen", "reagentType"),
    ),
    "PharmacologicalAgent": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "activeIngredient": _TEXT,
            "concentration": _TEXT,
            "dosageForm": _TEXT,
            "routeOfAdministration": _TEXT,
            "pharmacologicalCategory": _TEXT,
            "pharmacologicalClass": _TEXT,
            "formulation": _TEXT,
            "purity": _TEXT,
        },
        required=("activeIngredient", "pharmacologicalCategory"),
    ),
    "PhysiologicalSolution": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "composition": _TEXT,
            "targetPH": Prop("number", minimum=0, maximum=14),
            "osmolality": _TEXT,
            "preparationInstructions": _TEXT,
            "sterile": Prop("boolean"),
            "purpose": Prop("array"),
        },
        required=("composition",),
    ),
    "TracerDye": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "dyeType": _TEXT,
            "fluorophore": _TEXT,
            "routeOfApplication": _TEXT,
            "excitationPeak": _NUMBER,
            "emissionPeak": _NUMBER,
            "vehicle": _TEXT,
            "preparationInstructions": _TEXT,
        },
        required=("dyeType",),
    ),
    "VirusConstruct": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "virusType": _TEXT,
            "virus_type": _TEXT,
            "capsid": _TEXT,
            "promoter": _TEXT,
            "gene": _TEXT,
            "reporter": _TEXT,
            "otherElement": _TEXT,
            "notes": _TEXT,
        },
    ),
    "ConsumableDevice": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "deviceClass": CONSUMABLE_STOCK["ConsumableDevice"].properties["deviceClass"],
            "compatibleWith": _TEXT,
            "dimensions": _TEXT,
            "material": _TEXT,
            "connectivity": _TEXT,
        },
        required=("deviceClass",),
    ),
    "OpticalComponent": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "componentType": _TEXT,
            "material": _TEXT,
            "dimensions": _TEXT,
            "surfaceCoating": _TEXT,
            "wavelengthMin": _NUMBER,
            "wavelengthMax": _NUMBER,
            "sterile": Prop("boolean"),
        },
        required=("componentType",),
    ),
    "OpticFiberDesign": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "numericalAperture": _NUMBER,
            "aperture": _NUMBER,
            "wavelengthMin": _NUMBER,
            "wavelengthMax": _NUMBER,
            "fiberType": _TEXT,
            "coreDiameter": _NUMBER,
            "claddingDiameter": _NUMBER,
            "coatingDiameter": _NUMBER,
            "outerDiameter": _NUMBER,
            "coreMaterial": _TEXT,
            "claddingMaterial": _TEXT,
            "coatingMaterial": _TEXT,
            "tipDescription": _TEXT,
        },
    ),
    "SiliconProbeDesign": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "layout": _TEXT,
            "nChannels": Prop("integer", minimum=0),
            "nShanks": Prop("integer", minimum=0),
            "shanksSpacing": _NUMBER,
            "shanksThickness": _NUMBER,
            "shanksLength": _NUMBER,
            "siteArea": _NUMBER,
            "verticalSpacing": _NUMBER,
            "uniformLayout": Prop("boolean"),
            "customDesign": Prop("boolean"),
        },
    ),
    "SingleWireElectrode": _WIRE,
    "WireElectrode": _WIRE,
    "SurgicalDisposable": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "disposableType": Prop(
                "string",
                enum=(
                    "Scalpel Blade",
                    "Needle",
                    "Syringe",
                    "Suture",
                    "Gauze or Swab",
                    "Surgical Drape",
                    "Catheter",
                    "Other",
                ),
            ),
            "material": _TEXT,
            "specification": _TEXT,
            "sterile": Prop("boolean"),
            "notes": _TEXT,
        },
        required=("disposableType",),
    ),
    "ImplantMaterial": TypeSchema(
        "1.0.0",
        {
            **_COMMON,
            "materialType": Prop(
                "string",
                enum=(
                    "Dental Cement",
                    "Adhesive",
                    "Bone Screw",
                    "Skull Anchor",
                    "Bone Wax",
                    "Silicone Elastomer",
                    "Acrylic Polymer",
                    "Cyanoacrylate Glue",
                    "Other",
                ),
            ),
            "preparationInstructions": _TEXT,
            "biocompatible": Prop("boolean"),
            "notes": _TEXT,
        },
        required=("materialType",),
    ),
}
