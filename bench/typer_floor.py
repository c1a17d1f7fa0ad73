"""A second floor for startup: a Typer app whose command has the options of
`ipq list` and only prints a line. It measures what Typer itself costs to parse
a command line (Typer 0.29 builds a pydantic TypeAdapter for each parameter),
which `import typer` alone does not show."""

from typing import Annotated

import typer

app = typer.Typer()
Opt = Annotated[str | None, typer.Option()]


@app.command("list")
def list_tasks(
    dept: Opt = None,
    category: Opt = None,
    status: Opt = None,
    deadline: Opt = None,
    grep: Opt = None,
    province: Opt = None,
    overdue: Annotated[bool, typer.Option()] = False,
    as_of: Opt = None,
    json_: Annotated[bool, typer.Option("--json")] = False,
    file: Opt = None,
) -> None:
    import rich.table  # noqa: F401 -- what a table needs, as in the plain floor

    print("list")


@app.command("show")
def show() -> None:
    print("show")


if __name__ == "__main__":
    app()
