from extractor.codebook import ActorRole, ActorType, CountKind, PlaceKind, Qualifier, SubEventType
from extractor.pipeline.grounding import ground, locate
from extractor.schema import Actor, ArticleExtraction, Count, Event, Place

ARTICLE = (
    "It said the clashes overnight killed 10 regime loyalists and 18 opposition fighters, "
    "including 13 extremists.\n“The regime leveraged the ceasefire,” said Rami."
)
SENT = ARTICLE.split("\n")[0]


def count(value: int, evidence: str = SENT, qualifier: Qualifier = Qualifier.EXACT) -> Count:
    return Count(evidence=evidence, kind=CountKind.KILLED, value=value, qualifier=qualifier)


def event(**kw: object) -> Event:
    base: dict[str, object] = dict(
        evidence=SENT,
        event_type="battles",
        sub_event_type=SubEventType.ARMED_CLASH,
        summary="clashes",
    )
    base.update(kw)
    return Event.model_validate(base)


def test_locate_exact_normalised_fuzzy_and_missing() -> None:
    exact = locate("killed 10 regime loyalists", ARTICLE)
    assert exact is not None and exact.match == "exact"
    assert ARTICLE[exact.start : exact.end] == "killed 10 regime loyalists"
    curly = locate('"The regime leveraged the ceasefire,"', ARTICLE)
    assert curly is not None and curly.match == "normalised"
    assert ARTICLE[curly.start : curly.end] == "“The regime leveraged the ceasefire,”"
    spaced = locate("killed  10 Regime loyalists", ARTICLE)
    assert spaced is not None and spaced.match == "normalised"
    fuzzy = locate("the clashes over night killed 10 regime loyalist and 18 opposition", ARTICLE)
    assert fuzzy is not None and fuzzy.match == "fuzzy"
    assert "clashes" in ARTICLE[fuzzy.start : fuzzy.end]
    assert locate("rebels shot down a helicopter over Idlib", ARTICLE) is None
    assert locate("   ", ARTICLE) is None


def test_ground_keeps_supported_items_and_fills_spans() -> None:
    ex = ArticleExtraction(events=[event(counts=[count(10), count(18), count(13)])])
    out = ground(ex, ARTICLE)
    assert [c.value for c in out.events[0].counts] == [10, 18, 13]
    assert all(c.span is not None for c in out.events[0].counts)
    assert out.events[0].span is not None
    assert out.diagnostics == []


def test_ground_drops_invented_and_summed_numbers() -> None:
    ex = ArticleExtraction(events=[event(counts=[count(28), count(100000), count(10)])])
    out = ground(ex, ARTICLE)
    assert [c.value for c in out.events[0].counts] == [10]
    reasons = [d.reason for d in out.diagnostics]
    assert len(reasons) == 2 and all("not stated" in r for r in reasons)
    assert out.diagnostics[0].path == "events[0].counts[0]"
    assert out.diagnostics[0].item["value"] == 28


def test_ground_takes_qualifier_from_the_text() -> None:
    text = "Fierce clashes killed nearly 30 combatants overnight."
    ex = ArticleExtraction(events=[event(evidence=text, counts=[count(30, text)])])
    (c,) = ground(ex, text).events[0].counts
    assert c.qualifier is Qualifier.APPROXIMATE


def test_ground_drops_names_not_in_the_article_and_unfound_evidence() -> None:
    ex = ArticleExtraction(
        events=[
            event(
                places=[Place(evidence=SENT, name="Aleppo", kind=PlaceKind.CITY)],
                actors=[
                    Actor(
                        evidence=SENT,
                        name="regime loyalists",
                        actor_type=ActorType.STATE_FORCES,
                        role=ActorRole.PARTICIPANT,
                    )
                ],
            ),
            event(evidence="Rebels shot down a helicopter over Idlib on Tuesday morning."),
        ]
    )
    out = ground(ex, ARTICLE)
    assert len(out.events) == 1
    assert out.events[0].places == [] and len(out.events[0].actors) == 1
    assert {d.path for d in out.diagnostics} == {"events[0].places[0]", "events[1]"}
