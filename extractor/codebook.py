"""The controlled vocabularies of the schema, modelled on the ACLED and UCDP GED codebooks.

Every member carries a one-line definition. The definitions reach the model through the JSON schema
(see ``schema.py``) and the prompt, so editing one is a prompt change: bump the prompt version.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """ACLED's six event types."""

    BATTLES = "battles"
    EXPLOSIONS_REMOTE_VIOLENCE = "explosions_remote_violence"
    VIOLENCE_AGAINST_CIVILIANS = "violence_against_civilians"
    PROTESTS = "protests"
    RIOTS = "riots"
    STRATEGIC_DEVELOPMENTS = "strategic_developments"


EVENT_TYPE_DEFINITIONS: dict[EventType, str] = {
    EventType.BATTLES: "violent interaction between two organised armed groups (clashes, "
    "capture of territory by force)",
    EventType.EXPLOSIONS_REMOTE_VIOLENCE: "one-sided violence at a distance: air or drone strikes, "
    "shelling, missiles, bombs, IEDs, suicide attacks, chemical weapons",
    EventType.VIOLENCE_AGAINST_CIVILIANS: "an organised armed group deliberately attacks unarmed "
    "civilians: killings, abductions, sexual violence",
    EventType.PROTESTS: "a public demonstration by non-violent participants",
    EventType.RIOTS: "violent demonstrations or mob violence",
    EventType.STRATEGIC_DEVELOPMENTS: "non-violent but significant events: agreements, ceasefires, "
    "arrests, troop movements, bases, looting, non-violent transfer of territory",
}


class SubEventType(StrEnum):
    """ACLED's 25 sub-event types; each belongs to exactly one event type."""

    ARMED_CLASH = "armed_clash"
    GOVERNMENT_REGAINS_TERRITORY = "government_regains_territory"
    NON_STATE_ACTOR_OVERTAKES_TERRITORY = "non_state_actor_overtakes_territory"
    CHEMICAL_WEAPON = "chemical_weapon"
    AIR_DRONE_STRIKE = "air_drone_strike"
    SUICIDE_BOMB = "suicide_bomb"
    SHELLING_ARTILLERY_MISSILE = "shelling_artillery_missile_attack"
    REMOTE_EXPLOSIVE_LANDMINE_IED = "remote_explosive_landmine_ied"
    GRENADE = "grenade"
    SEXUAL_VIOLENCE = "sexual_violence"
    ATTACK = "attack"
    ABDUCTION_FORCED_DISAPPEARANCE = "abduction_forced_disappearance"
    PEACEFUL_PROTEST = "peaceful_protest"
    PROTEST_WITH_INTERVENTION = "protest_with_intervention"
    EXCESSIVE_FORCE_AGAINST_PROTESTERS = "excessive_force_against_protesters"
    VIOLENT_DEMONSTRATION = "violent_demonstration"
    MOB_VIOLENCE = "mob_violence"
    AGREEMENT = "agreement"
    ARRESTS = "arrests"
    CHANGE_TO_GROUP_ACTIVITY = "change_to_group_activity"
    DISRUPTED_WEAPONS_USE = "disrupted_weapons_use"
    HEADQUARTERS_OR_BASE_ESTABLISHED = "headquarters_or_base_established"
    LOOTING_PROPERTY_DESTRUCTION = "looting_property_destruction"
    NON_VIOLENT_TRANSFER_OF_TERRITORY = "non_violent_transfer_of_territory"
    OTHER = "other"


_E = EventType
_S = SubEventType
SUB_EVENT_PARENT: dict[SubEventType, EventType] = {
    _S.ARMED_CLASH: _E.BATTLES,
    _S.GOVERNMENT_REGAINS_TERRITORY: _E.BATTLES,
    _S.NON_STATE_ACTOR_OVERTAKES_TERRITORY: _E.BATTLES,
    _S.CHEMICAL_WEAPON: _E.EXPLOSIONS_REMOTE_VIOLENCE,
    _S.AIR_DRONE_STRIKE: _E.EXPLOSIONS_REMOTE_VIOLENCE,
    _S.SUICIDE_BOMB: _E.EXPLOSIONS_REMOTE_VIOLENCE,
    _S.SHELLING_ARTILLERY_MISSILE: _E.EXPLOSIONS_REMOTE_VIOLENCE,
    _S.REMOTE_EXPLOSIVE_LANDMINE_IED: _E.EXPLOSIONS_REMOTE_VIOLENCE,
    _S.GRENADE: _E.EXPLOSIONS_REMOTE_VIOLENCE,
    _S.SEXUAL_VIOLENCE: _E.VIOLENCE_AGAINST_CIVILIANS,
    _S.ATTACK: _E.VIOLENCE_AGAINST_CIVILIANS,
    _S.ABDUCTION_FORCED_DISAPPEARANCE: _E.VIOLENCE_AGAINST_CIVILIANS,
    _S.PEACEFUL_PROTEST: _E.PROTESTS,
    _S.PROTEST_WITH_INTERVENTION: _E.PROTESTS,
    _S.EXCESSIVE_FORCE_AGAINST_PROTESTERS: _E.PROTESTS,
    _S.VIOLENT_DEMONSTRATION: _E.RIOTS,
    _S.MOB_VIOLENCE: _E.RIOTS,
    _S.AGREEMENT: _E.STRATEGIC_DEVELOPMENTS,
    _S.ARRESTS: _E.STRATEGIC_DEVELOPMENTS,
    _S.CHANGE_TO_GROUP_ACTIVITY: _E.STRATEGIC_DEVELOPMENTS,
    _S.DISRUPTED_WEAPONS_USE: _E.STRATEGIC_DEVELOPMENTS,
    _S.HEADQUARTERS_OR_BASE_ESTABLISHED: _E.STRATEGIC_DEVELOPMENTS,
    _S.LOOTING_PROPERTY_DESTRUCTION: _E.STRATEGIC_DEVELOPMENTS,
    _S.NON_VIOLENT_TRANSFER_OF_TERRITORY: _E.STRATEGIC_DEVELOPMENTS,
    _S.OTHER: _E.STRATEGIC_DEVELOPMENTS,
}

SUB_EVENT_DEFINITIONS: dict[SubEventType, str] = {
    _S.ARMED_CLASH: "armed organised groups fight each other and territory does not change hands",
    _S.GOVERNMENT_REGAINS_TERRITORY: "government forces or their affiliates retake territory "
    "by force",
    _S.NON_STATE_ACTOR_OVERTAKES_TERRITORY: "a non-state group takes territory by force",
    _S.CHEMICAL_WEAPON: "use of chemical weapons",
    _S.AIR_DRONE_STRIKE: "air or drone strike",
    _S.SUICIDE_BOMB: "suicide bombing or suicide vehicle attack",
    _S.SHELLING_ARTILLERY_MISSILE: "shelling, artillery, mortar, rocket or missile attack",
    _S.REMOTE_EXPLOSIVE_LANDMINE_IED: "IED, car bomb, landmine or other remotely detonated "
    "explosive",
    _S.GRENADE: "grenade attack",
    _S.SEXUAL_VIOLENCE: "sexual violence against civilians",
    _S.ATTACK: "armed group attacks, kills or massacres civilians",
    _S.ABDUCTION_FORCED_DISAPPEARANCE: "civilians abducted, kidnapped or disappeared",
    _S.PEACEFUL_PROTEST: "demonstration without violence or intervention",
    _S.PROTEST_WITH_INTERVENTION: "peaceful protest that forces try to disperse or suppress",
    _S.EXCESSIVE_FORCE_AGAINST_PROTESTERS: "lethal or severe force used on peaceful protesters",
    _S.VIOLENT_DEMONSTRATION: "demonstrators engage in violence or vandalism",
    _S.MOB_VIOLENCE: "a mob attacks people or property",
    _S.AGREEMENT: "ceasefire, peace deal, prisoner exchange or other agreement",
    _S.ARRESTS: "arrests or detentions by state forces",
    _S.CHANGE_TO_GROUP_ACTIVITY: "a group changes structure or activity (mergers, truce ends, "
    "movements of forces, weapons seizures)",
    _S.DISRUPTED_WEAPONS_USE: "an attack prevented: bomb defused, weapons cache destroyed",
    _S.HEADQUARTERS_OR_BASE_ESTABLISHED: "a group establishes a base or headquarters",
    _S.LOOTING_PROPERTY_DESTRUCTION: "looting or destruction of property without fighting",
    _S.NON_VIOLENT_TRANSFER_OF_TERRITORY: "territory changes hands without fighting (withdrawal)",
    _S.OTHER: "another significant strategic development",
}


class DatePrecision(StrEnum):
    """How precisely the article fixes when the event happened (UCDP GED's date precision)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    UNKNOWN = "unknown"


class PlaceKind(StrEnum):
    """What sort of place a name refers to."""

    VILLAGE = "village"
    TOWN = "town"
    CITY = "city"
    DISTRICT = "district"
    PROVINCE = "province"
    COUNTRY = "country"
    REGION = "region"
    FACILITY = "facility"
    OTHER = "other"


class ActorType(StrEnum):
    """ACLED-like actor categories; the TYPE matching tier compares these."""

    STATE_FORCES = "state_forces"
    REBEL_GROUP = "rebel_group"
    POLITICAL_MILITIA = "political_militia"
    IDENTITY_MILITIA = "identity_militia"
    EXTERNAL_FORCES = "external_forces"
    CIVILIANS = "civilians"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    OTHER = "other"


ACTOR_TYPE_DEFINITIONS: dict[ActorType, str] = {
    ActorType.STATE_FORCES: "a government's military, police or allied forces acting for it in its "
    "own country",
    ActorType.REBEL_GROUP: "an armed group fighting to overthrow or secede from a government, "
    "including jihadist groups such as ISIL or HTS",
    ActorType.POLITICAL_MILITIA: "an armed group serving a political elite, not aiming to "
    "topple the state",
    ActorType.IDENTITY_MILITIA: "an armed group organised around an ethnic, religious or tribal "
    "identity",
    ActorType.EXTERNAL_FORCES: "a foreign state's forces or a multinational coalition operating "
    "abroad",
    ActorType.CIVILIANS: "unarmed people who are targets or victims",
    ActorType.INTERNATIONAL_ORGANISATION: "the UN, its agencies, NGOs and monitors",
    ActorType.OTHER: "any other actor",
}


class ActorRole(StrEnum):
    """The actor's part in the event."""

    INITIATOR = "initiator"
    TARGET = "target"
    PARTICIPANT = "participant"


class CountKind(StrEnum):
    """What happened to the people counted."""

    KILLED = "killed"
    INJURED = "injured"
    DISPLACED = "displaced"
    DETAINED = "detained"
    ABDUCTED = "abducted"
    MISSING = "missing"
    OTHER = "other"


class Qualifier(StrEnum):
    """How the article hedges a number ("nearly 30", "more than 800")."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    RANGE = "range"


QUALIFIER_DEFINITIONS: dict[Qualifier, str] = {
    Qualifier.EXACT: "the number as stated, no hedge",
    Qualifier.APPROXIMATE: "about, around, nearly, almost, some, roughly",
    Qualifier.AT_LEAST: "at least, more than, over, dozens, hundreds",
    Qualifier.AT_MOST: "up to, fewer than, as many as, under",
    Qualifier.RANGE: "a stated range such as 10 to 15 (value = low end, upper = high end)",
}


class CountScope(StrEnum):
    """Whether a count belongs to this incident or is a running total."""

    INCIDENT = "incident"
    CUMULATIVE = "cumulative"


def describe(
    definitions: dict[EventType, str]
    | dict[SubEventType, str]
    | dict[ActorType, str]
    | dict[Qualifier, str],
) -> str:
    """Render a definitions table as ``value: definition`` lines for prompts and schema text.

    Args:
        definitions: one of the ``*_DEFINITIONS`` tables of this module.

    Returns:
        One ``- value: definition`` line per member.
    """
    return "\n".join(f"- {member.value}: {text}" for member, text in definitions.items())
