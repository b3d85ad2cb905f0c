from extractor.codebook import ActorRole, ActorType, PlaceKind, SubEventType
from extractor.pipeline import Strategy
from extractor.pipeline.strategies import WINDOW_CHARS, merge_events, plan, worth_asking
from extractor.schema import Actor, Count, Event, Place


def test_plans(seed_text: str) -> None:
    assert [f.task for f in plan(seed_text, Strategy.WHOLE)] == ["whole"]
    sentences = plan(seed_text, Strategy.SENTENCE)
    assert 10 <= len(sentences) < 18  # caption-like sentences with no event words are skipped
    assert all(seed_text[f.start : f.end] == f.text for f in sentences)
    assert [f.task for f in plan(seed_text, Strategy.WINDOW)] == ["whole"]  # short: one window
    long = " ".join([seed_text] * 8)
    windows = plan(long, Strategy.WINDOW)
    assert len(windows) > 1 and all(len(f.text or "") <= WINDOW_CHARS for f in windows)
    assert windows[0].end > windows[1].start  # consecutive windows overlap
    assert windows[-1].end == len(long.rstrip())


def test_worth_asking() -> None:
    assert worth_asking("Clashes killed 10 soldiers.")
    assert not worth_asking("A Syrian sits for tea with his brother.")


def _ev(
    places: list[str],
    actors: list[str],
    counts: list[int],
    date: str | None = None,
    sub: SubEventType = SubEventType.ARMED_CLASH,
) -> Event:
    e = "evidence"
    return Event.model_validate(
        {
            "evidence": e,
            "event_type": "battles",
            "sub_event_type": sub,
            "summary": "s",
            "date": {"text": date},
            "places": [Place(evidence=e, name=p, kind=PlaceKind.TOWN) for p in places],
            "actors": [
                Actor(
                    evidence=e,
                    name=a,
                    actor_type=ActorType.STATE_FORCES,
                    role=ActorRole.PARTICIPANT,
                )
                for a in actors
            ],
            "counts": [
                Count(evidence=e, kind="killed", value=v, qualifier="exact")  # pyright: ignore[reportArgumentType]
                for v in counts
            ],
        }
    )


def test_merge_combines_fragments_and_drops_duplicates() -> None:
    merged = merge_events(
        [
            _ev(["Al-Zakat"], ["regime loyalists"], [10]),
            _ev(["al-zakat", "Al-Arba'een"], ["extremists"], [10, 18]),
            _ev(
                ["Kafr Zita"],
                ["regime loyalists"],
                [],
                sub=SubEventType.GOVERNMENT_REGAINS_TERRITORY,
            ),
        ]
    )
    assert len(merged) == 2
    first = merged[0]
    assert [p.name for p in first.places] == ["Al-Zakat", "Al-Arba'een"]
    assert [a.name for a in first.actors] == ["regime loyalists", "extremists"]
    assert [c.value for c in first.counts] == [10, 18]


def test_merge_keeps_different_places_apart() -> None:
    merged = merge_events([_ev(["Mosul"], ["ISIL"], []), _ev(["Raqqa"], ["ISIL"], [])])
    assert len(merged) == 2


def test_no_request_is_longer_than_a_bounded_piece_of_unpunctuated_text() -> None:
    text = "soldiers shelled the market and 12 people died " * 10_000  # no full stop
    for strategy in (Strategy.SENTENCE, Strategy.WINDOW):
        focuses = plan(text, strategy)
        assert len(focuses) > 1
        assert all(len(f.text or "") <= WINDOW_CHARS for f in focuses), strategy
