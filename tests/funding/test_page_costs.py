"""A page's cost does not grow with the data: each key page, as each kind of user, runs the
same number of SQL statements on a small world and on one three times its size."""

from tests.factories import give_second_factor
from tests.funding import volume
from tests.funding.money_helpers import reset_database
from tests.funding.statements import get_counting

PAGES = {
    "anonymous": [
        "/",
        "/needs",
        "/needs/{need}",
        "/organizations",
        "/organizations/{organization}",
        "/enterprises",
        "/communities",
        "/programs",
        "/disclosures",
        "/disclosures/{disclosed}",
        "/transparency",
        "/transparency/grants.csv",
        "/transparency/enterprises.csv",
    ],
    "staff": [
        "/dashboard",
        "/staff/queue",
        "/proposals",
        "/proposals/{proposal}",
        "/staff/users",
        "/staff/parties",
        "/staff/audit",
        "/staff/objections",
        "/staff/relationships",
        "/staff/programs",
        "/staff/instalments",
        "/pledges",
        "/pledges/{pledge}",
        "/grants",
        "/grants/{grant}",
        "/matchmaking",
        "/matchmaking/network",
        "/fairs",
        "/fairs/{fair}/report",
        "/notifications",
        "/staff/exports/proposals.csv",
        "/staff/exports/reviews.csv",
        "/staff/exports/proposals.xlsx",
    ],
    "org_member": [
        "/dashboard",
        "/proposals",
        "/proposals/{proposal}",
        "/grants",
        "/grants/{grant}",
        "/notifications",
    ],
    "enterprise_member": ["/dashboard", "/pledges", "/pledges/{pledge}", "/grants", "/fairs"],
    "reviewer": ["/dashboard", "/reviews", "/reviews/{assignment}"],
    "community_worker": ["/dashboard", "/needs", "/grants/{grant}"],
}


def _count(client, url: str) -> int:
    response, statements = get_counting(client, url)
    assert response.status_code == 200, (url, response.status_code, response.data[:300])
    return statements


def _costs(app, scale: int) -> dict[tuple[str, str], int]:
    reset_database()
    world = volume.build(scale)
    ids = {
        "need": world.need.id,
        "organization": world.organization.id,
        "disclosed": world.disclosed.id,
        "proposal": world.proposal.id,
        "pledge": world.pledge_id,
        "grant": world.grant.id,
        "assignment": world.assignment.id,
        "fair": world.fair_id,
    }
    emails = {role: user.email for role, user in world.users.items()}
    costs = {}
    for role, urls in PAGES.items():
        client = app.test_client()
        if role != "anonymous":
            login = client.post(
                "/login", data={"email": emails[role], "password": "correct horse battery"}
            )
            assert login.status_code == 302
            if world.users[role].totp_secret:
                assert give_second_factor(client, emails[role]).status_code == 302
        for url in urls:
            path = url.format(**ids)
            client.get(path).close()  # once to warm what is cached per process
            costs[(role, url)] = _count(client, path)
    return costs


def test_no_page_costs_more_with_more_data(app):
    small, large = _costs(app, 1), _costs(app, 3)
    grew = {page: (small[page], large[page]) for page in small if large[page] > small[page]}
    assert grew == {}
