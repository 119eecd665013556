"""The soak's figure: resident memory and open files of each Hookline process, and the
publish-to-arrival p99, one point per bucket (a minute in a full run), with the end of the
warm-up marked."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a file, never a window: the harness runs headless

import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

from reliability.soak_criteria import Series, per_bucket  # noqa: E402


def plot(
    rss_mb: Mapping[str, Series],
    fds: Mapping[str, Series],
    latencies: Series,
    bucket_s: float,
    warmup_s: float,
    path: Path,
) -> None:
    minutes = bucket_s >= 60
    unit, scale = ("min", 60.0) if minutes else ("s", 1.0)
    fig, (ax_rss, ax_fds, ax_lat) = plt.subplots(3, 1, sharex=True, figsize=(8, 8))
    for name, series in rss_mb.items():
        points = per_bucket(series, bucket_s, "max")
        ax_rss.plot([t / scale for t, _ in points], [v for _, v in points], marker=".", label=name)
    for name, series in fds.items():
        points = per_bucket(series, bucket_s, "max")
        ax_fds.plot([t / scale for t, _ in points], [v for _, v in points], marker=".", label=name)
    points = per_bucket(latencies, bucket_s, "p99")
    ax_lat.plot([t / scale for t, _ in points], [v * 1000 for _, v in points], marker=".")
    ax_rss.set_ylabel("resident memory (MB)")
    ax_fds.set_ylabel("open files")
    ax_lat.set_ylabel("publish → arrival p99 (ms)")
    ax_lat.set_xlabel(f"time since publishing began ({unit}; per {bucket_s:g} s, by send time)")
    for ax in (ax_rss, ax_fds, ax_lat):
        ax.axvline(warmup_s / scale, color="grey", linestyle=":", label="end of warm-up")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    ax_rss.legend(fontsize="small", loc="lower right")
    fig.suptitle("Hookline soak: memory, open files and latency")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
