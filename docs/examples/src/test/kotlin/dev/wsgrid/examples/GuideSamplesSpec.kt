package dev.wsgrid.examples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import java.io.File

/** The root of the repository, seen from docs/examples where the tests run. */
private val ROOT: File = File("../..").canonicalFile

/** A `// region name` ... `// endregion` block of a sample source, without its common indentation. */
internal class Region(val name: String, val file: File, val text: String)

/** Every region of the Java and Kotlin sources under [dirs]; fails on a region opened twice or left open. */
internal fun regions(dirs: List<File>): Map<String, Region> {
    val found = LinkedHashMap<String, Region>()
    for (file in dirs.flatMap { d -> d.walkTopDown().filter { it.isFile && (it.extension == "java" || it.extension == "kt") }.sortedBy { it.path }.toList() }) {
        var open: String? = null
        val lines = mutableListOf<String>()
        file.readLines().forEachIndexed { i, line ->
            val start = Regex("^\\s*// region (\\S+)\\s*$").find(line)
            when {
                start != null -> {
                    check(open == null) { "${file.name}:${i + 1}: region ${start.groupValues[1]} opens inside region $open" }
                    open = start.groupValues[1]
                    lines.clear()
                }
                line.trim() == "// endregion" -> {
                    val name = checkNotNull(open) { "${file.name}:${i + 1}: endregion without a region" }
                    check(name !in found) { "region $name is defined twice: ${found[name]!!.file.name} and ${file.name}" }
                    found[name] = Region(name, file, dedent(lines))
                    open = null
                }
                open != null -> lines.add(line)
            }
        }
        check(open == null) { "${file.name}: region $open is never closed" }
    }
    return found
}

private fun dedent(lines: List<String>): String {
    val indent = lines.filter { it.isNotBlank() }.minOfOrNull { it.length - it.trimStart().length } ?: 0
    return lines.joinToString("\n") { if (it.isBlank()) "" else it.substring(indent).trimEnd() }
}

/** What is wrong with the code blocks of [markdown]: untagged Java/Kotlin blocks, unknown regions, and blocks that differ from their regions. */
internal fun problems(markdown: File, regions: Map<String, Region>): List<String> {
    val out = mutableListOf<String>()
    val lines = markdown.readLines()
    val where = markdown.relativeTo(ROOT).path
    var i = 0
    var tag: List<String>? = null
    var tagLine = 0
    while (i < lines.size) {
        val line = lines[i]
        val t = Regex("^<!-- sample: (.+) -->$").find(line.trim())
        if (t != null) {
            tag = t.groupValues[1].split(',').map { it.trim() }
            tagLine = i + 1
            i++
            continue
        }
        val fence = Regex("^```(\\w*)").find(line)
        if (fence != null) {
            val language = fence.groupValues[1]
            val body = mutableListOf<String>()
            i++
            while (i < lines.size && !lines[i].startsWith("```")) body.add(lines[i++])
            val names = tag
            if (names == null) {
                if (language == "java" || language == "kotlin") out.add("$where:${i - body.size}: a $language block with no <!-- sample: region --> line before it")
            } else {
                val missing = names.filter { it !in regions }
                if (missing.isNotEmpty()) {
                    out.add("$where:$tagLine: no region named ${missing.joinToString()} in the sample sources")
                } else {
                    val expected = names.joinToString("\n\n") { regions.getValue(it).text }  // regions of one block: a blank line between
                    val actual = body.joinToString("\n") { it.trimEnd() }
                    if (actual != expected) {
                        val e = expected.lines()
                        val a = actual.lines()
                        val at = (0 until maxOf(e.size, a.size)).first { e.getOrNull(it) != a.getOrNull(it) }
                        out.add(
                            "$where:${tagLine + 2 + at}: the block differs from ${names.joinToString { "${regions.getValue(it).file.name}#$it" }}\n" +
                                "    markdown: ${a.getOrNull(at)}\n    source:   ${e.getOrNull(at)}",
                        )
                    }
                }
            }
            tag = null
        } else if (line.isNotBlank()) {
            tag = null
        }
        i++
    }
    return out
}

/** The guide's and the README's code samples are the compiled sources' regions, word for word. */
class GuideSamplesSpec : FunSpec({
    val sourceDirs = listOf("src/main/java", "src/main/kotlin", "src/test/java", "src/test/kotlin").map { File(it).absoluteFile }
    val markdown = (File(ROOT, "docs/guide").listFiles { f -> f.extension == "md" }!!.sortedBy { it.name } + File(ROOT, "README.md"))

    test("every Java and Kotlin block of the guide and the README is a region of a compiled sample, unchanged") {
        val regions = regions(sourceDirs)
        markdown.flatMap { problems(it, regions) }.shouldBeEmpty()
    }

    test("the check finds a block that drifted from its source, an untagged block and an unknown region") {
        val regions = mapOf("r" to Region("r", File("Sample.kt"), "val x = 1\nprintln(x)"))
        val md = File.createTempFile("drift", ".md", File("target").absoluteFile)
        try {
            md.writeText(
                "<!-- sample: r -->\n```kotlin\nval x = 1\nprintln(x)\n```\n" +
                    "<!-- sample: r -->\n```kotlin\nval x = 2\nprintln(x)\n```\n" +
                    "```java\nint y = 0;\n```\n" +
                    "<!-- sample: nope -->\n```kotlin\n```\n" +
                    "```sh\nmvn verify\n```\n",
            )
            val found = problems(md, regions)
            found.size shouldBe 3
            found[0].contains("differs from Sample.kt#r") shouldBe true
            found[1].contains("a java block with no <!-- sample: region --> line") shouldBe true
            found[2].contains("no region named nope") shouldBe true
        } finally {
            md.delete()
        }
    }

    test("the BOM manages every library module at the project's version") {
        val bom = File(ROOT, "bom/pom.xml").readText()
        val version = Regex("<version>([^<]+)</version>").find(File(ROOT, "pom.xml").readText().substringAfter("<artifactId>wsgrid-parent</artifactId>"))!!.groupValues[1]
        for (artifact in listOf("wsgrid-rpc-core", "wsgrid-rpc-ktor-server", "wsgrid-rpc-ktor-client", "wsgrid-java", "wsgrid-micrometer", "wsgrid-cluster-redis")) {
            bom.contains("<artifactId>$artifact</artifactId><version>$version</version>") shouldBe true
        }
        Regex("<artifactId>wsgrid-bom</artifactId>\\s*<version>([^<]+)</version>").find(bom)!!.groupValues[1] shouldBe version
    }
})
