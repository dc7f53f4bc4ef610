package dev.wsgrid.ktor.server

import java.io.ByteArrayOutputStream
import java.io.OutputStream
import java.io.PrintStream

/** Tees what this JVM writes to stderr (the test log) into a buffer until closed; it still shows. */
class StderrCapture : AutoCloseable {
    private val captured = ByteArrayOutputStream()
    private val original = System.err

    init {
        System.setErr(PrintStream(object : OutputStream() {
            override fun write(b: Int) {
                synchronized(captured) { captured.write(b) }
                original.write(b)
            }

            override fun write(b: ByteArray, off: Int, len: Int) {
                synchronized(captured) { captured.write(b, off, len) }
                original.write(b, off, len)
            }
        }, true))
    }

    /** What was written so far. */
    fun text(): String = synchronized(captured) { captured.toString(Charsets.UTF_8) }

    override fun close() {
        System.setErr(original)
    }
}
