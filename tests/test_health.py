from herts_scraper.archive.health import HEALTH_CHECKS, HealthConfig, RunHealth
from herts_scraper.record import Article


def article(n, published="2024-01-01", body="Text.\n"):
    return Article(url=f"https://x/{n}", area="H", title="T", published=published, body=body)


def test_coverage_drop_is_caught_but_a_couple_of_undated_articles_are_normal():
    health = RunHealth.for_run(HealthConfig(("Share this page",)))
    for i in range(60):
        health.check(article(i, published=None if i < 2 else "2024-01-01"))
    assert health.problems() == []
    health.check(article(99, published=None))
    health.check(article(100, published=None))
    (problem,) = health.problems()
    assert "4 of 62 articles" in problem and "no date" in problem


def test_empty_bodies_furniture_and_empty_listings():
    health = RunHealth.for_run(HealthConfig(("Share this page",)))
    for i in range(3):
        health.check(article(i, body=""))
    health.check(article(9, body="Text.\n\nShare this page\n"))
    problems = health.problems(empty_listings=2)
    assert len(problems) == 3
    assert "listing" in problems[0] and "no body" in problems[1] and "https://x/9" in problems[2]


def test_checks_come_from_the_registry_and_their_configuration():
    everything = RunHealth.for_run(HealthConfig(("Share this page",)))
    assert len(everything.checks) == len(HEALTH_CHECKS)
    since_run = RunHealth.for_run(HealthConfig(("Share this page",), check_dates=False))
    for i in range(10):
        since_run.check(article(i, published=None))
    assert since_run.problems() == []  # a `since` run does not judge its undated articles
    strict = RunHealth.for_run(HealthConfig((), max_missing_share=0.0))
    for i in range(4):
        strict.check(article(i, body="" if i == 0 else "Text.\n"))
    assert strict.problems() == []  # within TOLERATED_MISSING
