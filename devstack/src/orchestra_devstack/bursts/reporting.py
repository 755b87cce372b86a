"""The burst table in Markdown, from the JSON document ``bench/burst.py`` writes (pure).

One function per section; a section whose run was skipped is left out. Times are in
milliseconds for POSTs and seconds for everything else.
"""

from __future__ import annotations

from typing import Any

from orchestra_devstack.bursts.goals import goals


def _s(spread: dict[str, float] | None, *, scale: float = 1.0, unit: str = "s") -> str:
    if not spread:
        return "-"
    digits = 0 if scale > 1 else 2
    parts = [f"{spread[k] * scale:.{digits}f}" for k in ("p50", "p99", "max")]
    return f"{' / '.join(parts)} {unit}"


def machine_line(document: dict[str, Any]) -> str:
    m, end = document["machine"], document.get("machine_end", {})
    load = "/".join(str(x) for x in m["load_average"])
    load_end = "/".join(str(x) for x in end.get("load_average", []))
    return (
        f"{m['cores']} cores ({m['cpu_model']}), load average {load} at the start"
        + (f" and {load_end} at the end" if load_end else "")
        + f", Python {m['python']}, {m['system']}, commit {m['commit'] or '?'}, {m['date']}."
    )


def burst_section(burst: dict[str, Any], delay: float) -> list[str]:
    top = list(burst["kubernetes_requests_by_kind"].items())[:6]
    return [
        f"### Burst: {burst['learners']} learners over {burst['seconds']:g} s",
        "",
        "| | p50 / p99 / max |",
        "|---|---|",
        f"| POST latency | {_s(burst['post_seconds'], scale=1000, unit='ms')} |",
        f"| POST → Ready in Postgres | {_s(burst['ready_in_postgres_seconds'])} |",
        f"| the same minus the {delay:g} s readiness delay | "
        f"{_s(burst['ready_in_postgres_minus_delay_seconds'])} |",
        f"| POST → Ready on the learner's event stream | {_s(burst['ready_on_stream_seconds'])} |",
        f"| the same minus the {delay:g} s readiness delay | "
        f"{_s(burst['ready_on_stream_minus_delay_seconds'])} |",
        "",
        f"Accepted {burst['accepted']} of {burst['learners']} "
        f"({burst['accepted_per_second'] or '-'} per s), Ready {burst['ready']} "
        f"({burst['ready_per_second'] or '-'} per s), Ready on the stream "
        f"{burst['ready_on_stream']}; **lost {burst['lost']}, duplicated "
        f"{burst['duplicated']}**; incomplete histories {burst['incomplete']}. "
        f"Kubernetes API requests: {burst['kubernetes_requests']} "
        f"(**{burst['kubernetes_requests_per_launch']} per launch**; "
        + ", ".join(f"{kind} {n}" for kind, n in top)
        + ").",
        *([f"Timed out: {'; '.join(burst['timed_out'])}."] if burst["timed_out"] else []),
        "",
    ]


def goals_section(document: dict[str, Any]) -> list[str]:
    lines = [
        "### Where each goal stands",
        "",
        "| goal (issue 18) | this run | |",
        "|---|---|---|",
    ]
    for goal in goals(document):
        lines.append(f"| {goal['goal']} | {goal['measured']} | {goal['verdict']} |")
    return [*lines, ""]


def simultaneous_section(run: dict[str, Any]) -> list[str]:
    return [
        f"### Simultaneous: {run['learners']} learners POST at the same moment",
        "",
        f"POST latency p50 / p99 / max {_s(run['post_seconds'], scale=1000, unit='ms')}; "
        f"api CPU from the first POST to the last answer "
        f"{run.get('api_cpu_ms_per_launch_posting') or '-'} ms per launch (both replicas, "
        f"no streams, tracing off); POST → Ready in Postgres "
        f"{_s(run['ready_in_postgres_seconds'])}; lost {run['lost']}, duplicated "
        f"{run['duplicated']}.",
        "",
    ]


def drain_section(run: dict[str, Any]) -> list[str]:
    drain = run.get("drain") or {}
    return [
        f"### Drain: {run['learners']} launches queued while both operators were stopped",
        "",
        f"Posted over {run['seconds']:g} s ({run['accepted']} accepted, "
        f"{run['accepted_per_second'] or '-'} per s, POST p99 "
        f"{_s(run['post_seconds'], scale=1000, unit='ms').split(' / ')[1]} ms), then both "
        f"operators started: one led again after {drain.get('started_to_leading_seconds', '-')} "
        f"s (its Python start-up), the first launch was Ready after "
        f"{drain.get('to_first_ready_seconds', '-')} s, all {drain.get('queued', 0)} after "
        f"{drain.get('to_all_ready_seconds', '-')} s, i.e. **"
        f"{drain.get('leading_to_all_ready_seconds', '-')} s after an operator led** "
        f"({drain.get('ready_per_second') or '-'} Ready per s between the first and the last); "
        f"lost {run['lost']}, duplicated {run['duplicated']}. Kubernetes API requests "
        f"{run['kubernetes_requests_per_launch']} per launch; CPU per launch: operator "
        f"{sum(f['cpu_ms_per_launch'] for n, f in run['footprint'].items() if n.startswith('operator')):.1f} ms "
        f"(its start-up included), emulated cluster "
        f"{run['footprint'].get('cluster', {}).get('cpu_ms_per_launch', 0):.1f} ms "
        f"({run.get('cluster_cpu_ms_per_request') or '-'} ms per request at "
        f"{run.get('objects_stored', '-')} objects).",
        *([f"Timed out: {'; '.join(run['timed_out'])}."] if run["timed_out"] else []),
        "",
    ]


def footprint_section(footprint: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "### Footprint",
        "",
        "| process | RSS idle | RSS at the end of the burst | PSS idle / end | CPU during the "
        "burst | CPU per launch |",
        "|---|---|---|---|---|---|",
    ]
    for name, f in footprint.items():
        pss = (
            f"{f['pss_idle_mib']:.0f} / {f['pss_end_mib']:.0f} MiB"
            if "pss_idle_mib" in f
            else "not measured"
        )
        lines.append(
            f"| {name} | {f['rss_idle_mib']:.0f} MiB | {f['rss_end_mib']:.0f} MiB | "
            f"{pss} | "
            f"{f['cpu_seconds']:.1f} s | {f['cpu_ms_per_launch']:.1f} ms |"
        )
    return [*lines, ""]


def sustained_section(sustained: dict[str, Any]) -> list[str]:
    lines = [
        f"### Sustained: {sustained['window']:g} s at each rate, held when p99 POST → Ready "
        f"in Postgres < {sustained['threshold']:g} s and nothing lost",
        "",
        "| launches per s | launches | POST → Ready p50 / p99 / max | lost | held | objects "
        "in the cluster | its CPU per request |",
        "|---|---|---|---|---|---|---|",
    ]
    for step in sustained["steps"]:
        cost = step.get("cluster_cpu_ms_per_request")
        lines.append(
            f"| {step['rate']:g} | {step['launches']} | {_s(step['ready_in_postgres_seconds'])} "
            f"| {step['lost']} | {'yes' if step['held'] else 'no'} "
            f"| {step.get('objects_stored', '-')} | {'-' if cost is None else f'{cost:.2f} ms'} |"
        )
    highest = sustained.get("highest")
    lines += ["", f"Highest rate held: **{highest:g} launches per s**." if highest else
              "No rate tried was held.", ""]  # fmt: skip
    return lines


def faults_section(faults: list[dict[str, Any]]) -> list[str]:
    lines = [
        "### Faults during a burst",
        "",
        "| fault | launches | lost | duplicated | incomplete / never on the stream | outlived "
        "its deadline | part down for | caught up after | POST → Ready p99 | latest end past "
        "the deadline | notes |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in faults:
        outage = run["outage"] or {}
        ready = run["ready_in_postgres_seconds"]
        lateness = run["lateness_past_deadline_seconds"]
        caught = outage.get("caught_up_after_seconds")
        lines.append(
            f"| {run['fault']} | {run['accepted']}/{run['learners']} | {run['lost']} | "
            f"{run['duplicated']} | {run['incomplete']} / {run['unseen']} | {run['outlived']} | "
            f"{outage.get('down_seconds', '-')} s | {caught if caught is not None else '-'} s | "
            f"{ready['p99'] if ready else '-'} s | {lateness['max'] if lateness else '-'} s | "
            f"{'; '.join(outage.get('notes', []) + run['timed_out']) or ''} |"
        )
    return [*lines, ""]


def poison_section(poison: dict[str, Any]) -> list[str]:
    lines = [
        f"### Poison: {poison['sent']} malformed messages, {poison['expected']} dead letters due",
        "",
        "| consumer | subject | dead letters with reason and payload |",
        "|---|---|---|",
    ]
    for entry in poison["parked"]:
        lines.append(f"| {entry['consumer']} | {entry['subject']} | {entry['letters']} |")
    carried = poison["carried_on"]
    lines += [
        "",
        ("Missing: " + "; ".join(poison["missing"]) + ". ") if poison["missing"] else "",
        "Afterwards a launch went Ready and ended, through every consumer: "
        + ("yes." if not carried else "no: " + "; ".join(carried)),
        "",
    ]
    return lines


def markdown(document: dict[str, Any]) -> str:
    delay = document["kubelet_delay"]
    lines = [
        "---",  # a page of the docs site (docs/src/content/docs/benchmarks)
        'title: "The latest burst table"',
        "---",
        f"`{document['command']}`, {document['note']}" if document.get("note") else
        f"`{document['command']}`",
        "",
        f"Machine: {machine_line(document)} Emulated readiness: the fake kubelet marks a "
        f"Deployment available {delay:g} s after it sees it.",
        "",
    ]  # fmt: skip
    merged = document.get("merged")
    if merged:
        lines += [
            f"Kept from an earlier run (`{merged['from']}`, {merged['machine']['date']}, load "
            f"average {'/'.join(str(x) for x in merged['machine']['load_average'])}): "
            f"{', '.join(merged['parts'])}.",
            "",
        ]
    lines += goals_section(document)
    if document.get("burst"):
        lines += burst_section(document["burst"], delay)
        lines += footprint_section(document["burst"]["footprint"])
    if document.get("simultaneous"):
        lines += simultaneous_section(document["simultaneous"])
    if document.get("drain"):
        lines += drain_section(document["drain"])
    if document.get("sustained"):
        lines += sustained_section(document["sustained"])
    if document.get("faults"):
        lines += faults_section(document["faults"])
    if document.get("poison"):
        lines += poison_section(document["poison"])
    return "\n".join(lines).rstrip() + "\n"
