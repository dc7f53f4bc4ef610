package dev.wsgrid.apicheck

import kotlinx.validation.api.dump
import kotlinx.validation.api.filterOutAnnotated
import kotlinx.validation.api.filterOutNonPublic
import kotlinx.validation.api.loadApiFromJvmClasses
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import kotlin.io.path.exists
import kotlin.io.path.extension
import kotlin.io.path.inputStream
import kotlin.io.path.isRegularFile
import kotlin.io.path.readText
import kotlin.io.path.writeText

/**
 * The public API of one wsgrid library module, as kotlinx's binary-compatibility-validator dumps
 * it, checked against the module's `api/<module>.api`: a test of each library module calls
 * [check], so a public declaration added, removed or changed by accident fails the build.
 *
 * Declarations marked `@InternalWsgridApi` (public only for wsgrid's sibling modules) and Kotlin
 * `internal` ones are left out. After a change that is meant, regenerate the dumps with
 *
 * ```sh
 * mvn -B verify -Dwsgrid.updateApi=true   # or -pl <module> -am for one module
 * ```
 *
 * and commit the `api/` files with the change, where a reviewer sees the API move.
 */
public object ApiDump {
    /** The annotation whose declarations are not API. */
    public const val INTERNAL_MARKER: String = "dev.wsgrid.rpc.internal.InternalWsgridApi"

    /** The system property that rewrites the dumps instead of comparing (`-Dwsgrid.updateApi=true`). */
    public const val UPDATE_PROPERTY: String = "wsgrid.updateApi"

    /**
     * Dumps the classes under [classes] (the module's `target/classes`, as a test runs in the
     * module's directory) and compares the dump with [apiFile]; rewrites [apiFile] instead when
     * the system property [UPDATE_PROPERTY] is `true`.
     *
     * @throws AssertionError naming the lines that differ, and how to regenerate, when they differ.
     */
    @JvmStatic
    @JvmOverloads
    public fun check(module: String, classes: Path = Paths.get("target/classes"), apiFile: Path = Paths.get("api/$module.api")) {
        val actual = render(classes)
        if (System.getProperty(UPDATE_PROPERTY).toBoolean()) {
            Files.createDirectories(apiFile.toAbsolutePath().parent)
            apiFile.writeText(actual)
            return
        }
        val regenerate = "regenerate with: mvn -B verify -Dwsgrid.updateApi=true (then review and commit $apiFile)"
        if (!apiFile.exists()) throw AssertionError("$module has no API dump at ${apiFile.toAbsolutePath()}; $regenerate")
        val expected = apiFile.readText()
        if (expected != actual) throw AssertionError("the public API of $module differs from $apiFile:\n${difference(expected, actual)}\n$regenerate")
    }

    /** The dump of the classes under [classes]: public and protected declarations, internal ones left out. */
    @JvmStatic
    public fun render(classes: Path): String {
        require(Files.isDirectory(classes)) { "no compiled classes at ${classes.toAbsolutePath()}" }
        val files = Files.walk(classes).use { paths -> paths.filter { it.isRegularFile() && it.extension == "class" }.sorted().toList() }
        val signatures = files.asSequence().map { it.inputStream() }.loadApiFromJvmClasses()
            .filterOutNonPublic(emptyList(), emptyList())
            .filterOutAnnotated(setOf(INTERNAL_MARKER.replace('.', '/')))
        return signatures.dump(StringBuilder()).toString()
    }

    /** The lines only in [expected] (`-`) and only in [actual] (`+`), in order. */
    private fun difference(expected: String, actual: String): String {
        val old = expected.lines()
        val new = actual.lines()
        val oldSet = old.toHashSet()
        val newSet = new.toHashSet()
        val removed = old.filter { it !in newSet }.map { "- $it" }
        val added = new.filter { it !in oldSet }.map { "+ $it" }
        return (removed + added).joinToString("\n").ifEmpty { "(the same lines in another order)" }
    }
}
