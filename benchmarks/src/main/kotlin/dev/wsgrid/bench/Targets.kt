package dev.wsgrid.bench

/**
 * The targets of the fast-path issue, each met or missed with its ratio, from the medians. A target
 * whose systems did not run is listed as not measured.
 *
 * - wsgrid (Kotlin client and server) against TGrid (node client and server): sequential calls/s
 *   ≥ 2×, sequential p99 ≤ TGrid's, payload calls/s ≥ 2×, pipelined calls/s ≥ 3×;
 * - pipelined calls/s ≥ 65% of the bare echo on the engine wsgrid's server runs on ([engine]:
 *   `ktor-echo-raw` on CIO, `ktor-echo-netty` on Netty; both raw sessions, as wsgrid's route);
 * - 10,000 idle connections: server heap < 16 KB each; one notification to all 10,000 < 50 ms;
 * - the server alone, with TGrid's own node client (`tgrid-to-wsgrid` vs `tgrid`): ≥ 2× on
 *   sequential and pipelined calls/s, p99 of both no worse;
 * - wsgrid ahead of rsocket-java on every workload (sequential, pipelined, payload, stream);
 * - metrics on (`wsgrid-kotlin-metrics`, both sides bound to wsgrid-micrometer with its defaults)
 *   cost under 5% of sequential and of pipelined calls/s.
 */
fun targets(systems: List<SystemSummary>, scale: List<ScaleSummary>, engine: String?): List<Target> {
    val byId = systems.associateBy { it.id }
    val wsgrid = byId["wsgrid-kotlin"]
    val tgrid = byId["tgrid"]
    val tgridClient = byId["tgrid-to-wsgrid"]
    val rsocket = byId["rsocket-java"]
    val echoId = when (engine) {
        "netty" -> "ktor-echo-netty"
        "cio" -> "ktor-echo-raw"
        else -> null
    }
    val echo = echoId?.let { byId[it] }
    val list = ArrayList<Target>()

    list += atLeast("sequential calls/s ≥ 2× TGrid's (wsgrid-kotlin vs tgrid)", wsgrid?.sequential?.callsPerSec, tgrid?.sequential?.callsPerSec, 2.0, "calls/s")
    list += noMore("sequential p99 ≤ TGrid's (wsgrid-kotlin vs tgrid)", wsgrid?.sequential?.p99us, tgrid?.sequential?.p99us, "µs")
    list += atLeast("payload calls/s ≥ 2× TGrid's (wsgrid-kotlin vs tgrid)", wsgrid?.payload?.callsPerSec, tgrid?.payload?.callsPerSec, 2.0, "calls/s")
    list += atLeast("pipelined calls/s ≥ 3× TGrid's (wsgrid-kotlin vs tgrid)", wsgrid?.pipelined?.callsPerSec, tgrid?.pipelined?.callsPerSec, 3.0, "calls/s")
    list += atLeast(
        "pipelined calls/s ≥ 65% of the bare echo on wsgrid's engine " +
            (if (echoId == null) "(engine ${engine ?: "not reported"}: run with --engine cio|netty)" else "($engine: $echoId)"),
        wsgrid?.pipelined?.callsPerSec, echo?.pipelined?.callsPerSec, 0.65, "calls/s",
    )

    val tenThousand = scale.find { it.system == "wsgrid" && it.connections == 10_000 }
    list += below("10,000 idle connections: server heap < 16 KB each", tenThousand?.heapPerConnectionBytes?.median?.let { it / 1024 }, 16.0, "KB")
    list += below("one notification to 10,000 members < 50 ms", tenThousand?.fanoutMs?.median, 50.0, "ms")

    list += atLeast("TGrid's client: sequential calls/s ≥ 2× (tgrid-to-wsgrid vs tgrid)", tgridClient?.sequential?.callsPerSec, tgrid?.sequential?.callsPerSec, 2.0, "calls/s")
    list += atLeast("TGrid's client: pipelined calls/s ≥ 2× (tgrid-to-wsgrid vs tgrid)", tgridClient?.pipelined?.callsPerSec, tgrid?.pipelined?.callsPerSec, 2.0, "calls/s")
    list += noMore("TGrid's client: sequential p99 ≤ (tgrid-to-wsgrid vs tgrid)", tgridClient?.sequential?.p99us, tgrid?.sequential?.p99us, "µs")
    list += noMore("TGrid's client: pipelined p99 ≤ (tgrid-to-wsgrid vs tgrid)", tgridClient?.pipelined?.p99us, tgrid?.pipelined?.p99us, "µs")

    list += atLeast("sequential calls/s ahead of rsocket-java", wsgrid?.sequential?.callsPerSec, rsocket?.sequential?.callsPerSec, 1.0, "calls/s", strictly = true)
    list += atLeast("pipelined calls/s ahead of rsocket-java", wsgrid?.pipelined?.callsPerSec, rsocket?.pipelined?.callsPerSec, 1.0, "calls/s", strictly = true)
    list += atLeast("payload calls/s ahead of rsocket-java", wsgrid?.payload?.callsPerSec, rsocket?.payload?.callsPerSec, 1.0, "calls/s", strictly = true)
    list += atLeast("stream items/s ahead of rsocket-java", wsgrid?.stream, rsocket?.stream, 1.0, "items/s", strictly = true)

    val metered = byId["wsgrid-kotlin-metrics"]
    list += atLeast("metrics on: sequential calls/s > 95% of metrics off (wsgrid-kotlin-metrics vs wsgrid-kotlin)", metered?.sequential?.callsPerSec, wsgrid?.sequential?.callsPerSec, 0.95, "calls/s", strictly = true)
    list += atLeast("metrics on: pipelined calls/s > 95% of metrics off (wsgrid-kotlin-metrics vs wsgrid-kotlin)", metered?.pipelined?.callsPerSec, wsgrid?.pipelined?.callsPerSec, 0.95, "calls/s", strictly = true)
    return list
}

private fun notMeasured(name: String, goal: String) = Target(name, "–", goal, null)

/** [a] over [b] must be at least [factor] (more than it when [strictly]). */
private fun atLeast(name: String, a: Spread?, b: Spread?, factor: Double, unit: String, strictly: Boolean = false): Target {
    val goal = (if (strictly) "> " else "≥ ") + ratioText(factor)
    if (a == null || b == null || b.median == 0.0) return notMeasured(name, goal)
    val ratio = a.median / b.median
    return Target(name, "${number(a.median)} vs ${number(b.median)} $unit", goal, if (strictly) ratio > factor else ratio >= factor, round3(ratio))
}

/** [a] must be no more than [b]: its ratio at most 1×. */
private fun noMore(name: String, a: Spread?, b: Spread?, unit: String): Target {
    if (a == null || b == null || b.median == 0.0) return notMeasured(name, "≤ 1×")
    val ratio = a.median / b.median
    return Target(name, "${number(a.median)} vs ${number(b.median)} $unit", "≤ 1×", ratio <= 1.0, round3(ratio))
}

/** [value] must be under [limit]: its ratio to the limit under 1×. */
private fun below(name: String, value: Double?, limit: Double, unit: String): Target {
    val goal = "< 1× (${number(limit)} $unit)"
    if (value == null) return notMeasured(name, goal)
    return Target(name, "${"%,.1f".format(value)} $unit", goal, value < limit, round3(value / limit))
}

private fun number(v: Double) = if (v >= 100 || v == Math.floor(v)) "%,.0f".format(v) else "%,.1f".format(v)

/** 2.0 as `2×`, 0.65 as `0.65×`. */
fun ratioText(r: Double): String = if (r == Math.floor(r)) "${r.toLong()}×" else "${"%.2f".format(r)}×"
