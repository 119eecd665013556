"""One line of RELIABILITY.md, and the table they make."""

from __future__ import annotations

from dataclasses import dataclass, field

from reliability.ledger import Tally


@dataclass
class Row:
    scenario: str
    store: str
    injected: str
    tally: Tally | None = None
    # Seconds from the last fault's repair until every acknowledged delivery had arrived.
    recovery_s: float | None = None
    duration_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # the scenario could not run to its end

    @property
    def passed(self) -> bool:
        return self.error is None and self.tally is not None and self.tally.nothing_lost


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: list[Row]) -> str:
    out = [
        "| scenario | store | injected | acknowledged | delivered | lost | duplicated "
        "| recovery | notes |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        t = row.tally
        if t is None:
            cells = ["—", "—", "—", "—"]
            notes = [f"**did not finish**: {row.error}", *row.notes]
        else:
            lost = f"**{t.lost:,}**" if t.lost else "0"
            cells = [f"{t.acknowledged:,}", f"{t.delivered:,} of {t.expected:,}", lost]
            cells.append(f"{t.duplicated:,}")
            # A criterion that failed (memory, files, a refusal that was not 507...) heads
            # the notes; the counts stand.
            notes = [f"**failed**: {row.error}", *row.notes] if row.error else row.notes
        recovery = "—" if row.recovery_s is None else f"{row.recovery_s:.1f} s"
        out.append(
            "| "
            + " | ".join(
                _cell(c)
                for c in [row.scenario, row.store, row.injected, *cells, recovery, "; ".join(notes)]
            )
            + " |"
        )
    return "\n".join(out)
