"""The transparency page's charts: drawn from the same figures as the tables beside them,
labelled in the reader's language, without script."""

import re
from datetime import timedelta

from funding.accounts.models import Role
from funding.extensions import db, utcnow
from funding.proposals.funnel import funnel
from funding.proposals.models import ProposalEvent, ProposalState
from tests import factories
from tests.funding.money_helpers import matching_program, reserve_proposed, signed_grant


def _world():
    staff = factories.user(Role.STAFF)
    member = factories.user(Role.ORG_MEMBER)
    program = matching_program(own_fen=50_000_000)
    program.name_en = "Partners"
    grant = signed_grant(staff, member, program, 3_000_000)
    grant.proposal.submitted_at = utcnow() - timedelta(days=30)
    grant.proposal.decided_at = utcnow() - timedelta(days=20)
    grant.proposal.agreement_signed_at = utcnow() - timedelta(days=10)
    waiting = factories.proposal(member, program=program, title="等待审查的项目")
    waiting.state, waiting.submitted_at = ProposalState.SCREENING, utcnow()
    db.session.commit()
    reserve_proposed(staff, grant)
    return grant


def test_the_funnel_counts_each_stage_once_and_narrows():
    _world()
    stages = funnel()
    assert stages.counts == {
        "submitted": 2,
        "screened": 0,
        "reviewed": 0,
        "approved": 1,
        "signed": 1,
    }
    assert round(stages.days_to_decision, 3) == 10 and round(stages.days_to_agreement, 3) == 10


def test_charts_show_the_tables_figures_in_the_readers_language(client):
    _world()
    english = client.get("/transparency?lang=en").get_data(as_text=True)
    programs = re.search(r'<figure class="chart" id="chart-programs">.*?</figure>', english, re.S)
    assert programs and "Partners" in programs.group(0)
    assert "Reserved: ¥30,000.00" in programs.group(0), "the bar's tooltip names its figure"
    assert "<script" not in programs.group(0)
    assert 'id="chart-street"' in english and 'id="chart-funnel"' in english
    assert "Half of the agreements were signed within 10.0 days" in english
    chinese = client.get("/transparency?lang=zh").get_data(as_text=True)
    assert "各阶段的申报数量" in chinese and "半数协议在立项后 10.0 天内签订" in chinese


def test_the_page_lists_the_newest_grants_and_totals_all(client, monkeypatch):
    from funding.transparency import views

    grant = _world()
    staff = factories.user(Role.STAFF)
    member = factories.user(Role.ORG_MEMBER)
    newer = signed_grant(staff, member, grant.proposal.program, 2_000_000, title="新的项目")
    monkeypatch.setattr(views, "GRANTS_SHOWN", 1)
    page = client.get("/transparency?lang=en").get_data(as_text=True)
    table = re.search(r'id="public-grants">.*?</table>', page, re.S).group(0)
    assert newer.proposal.title in table and grant.proposal.title not in table
    assert "¥50,000.00" in table, "the totals row counts both grants"
    assert "The newest 1 of 2 grants are listed" in page


def test_the_staff_workbench_charts_each_programs_money_and_the_time_in_each_stage(login_as):
    grant = _world()
    passed = grant.proposal.submitted_at + timedelta(days=4)
    db.session.add(ProposalEvent(proposal_id=grant.proposal_id, at=passed, action="pass_screening"))
    db.session.commit()
    stages = funnel()
    assert {k: round(v, 3) for k, v in stages.stretches.items()} == {
        "screening": 4,
        "review": 6,
        "agreement": 10,
    }
    staff = login_as(factories.user(Role.STAFF))
    english = staff.get("/dashboard?lang=en").get_data(as_text=True)
    programs = re.search(r'<figure class="chart" id="chart-programs">.*?</figure>', english, re.S)
    assert "Partners · Reserved: ¥30,000.00" in programs.group(0)
    assert 'id="chart-funnel"' in english
    stretch = re.search(r'data-stretch="review">(.*?)</tr>', english, re.S).group(1)
    assert "From passing screening to the decision" in stretch and ">6.0<" in stretch
    chinese = staff.get("/dashboard?lang=zh").get_data(as_text=True)
    assert "各阶段的申报数量" in chinese and "从通过审查到作出决定" in chinese
