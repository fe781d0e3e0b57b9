"""``flask match export [-o FILE]`` and ``flask match run``."""

import json

import click

from funding.matchmaking.adapter import snapshot_data
from funding.matchmaking.blueprint import bp
from funding.matchmaking.models import BatchState
from funding.matchmaking.services import run_batch


@bp.cli.command("export")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
def export_command(output) -> None:
    """Write the current matching instance (the contract's JSON) to a file or stdout."""
    data = snapshot_data()
    json.dump(data, output, ensure_ascii=False, indent=2)
    output.write("\n")
    if output.name != "<stdout>":
        click.echo(
            f"{len(data['needs'])} needs, {len(data['organizations'])} organizations, "
            f"{len(data['funders'])} funders -> {output.name}",
            err=True,
        )


@bp.cli.command("run")
def run_command() -> None:
    """Run the global allocation as a stored batch and print its summary."""
    batch = run_batch(None)
    if batch.state != BatchState.DONE:
        raise click.ClickException(f"batch {batch.id} failed: {batch.error}")
    s = batch.summary
    share = s["funded_fen"] / s["demand_fen"] if s["demand_fen"] else 0.0
    click.echo(
        f"batch {batch.id}: {s['funded']}/{s['needs']} needs funded, "
        f"{s['funded_fen'] / 100:,.2f} of {s['demand_fen'] / 100:,.2f} yuan ({share:.1%}), "
        f"{s['seconds']:.3f} s; found by {s['method']}, "
        f"{s['gap']:.2%} below the bound of {s['bound_fen'] / 100:,.2f} yuan"
    )
