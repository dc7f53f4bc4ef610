package dev.wsgrid.rpc.internal

/**
 * A forward-only reader of JSON text that checks its syntax and nesting depth without building
 * anything: it reads the few things the envelope needs (strings, integers, literals) and steps
 * over everything else, so a value's span can go to the codec as it is. Never recursive.
 *
 * Owned by one thread: made per frame, by whoever reads it.
 */
internal class JsonScanner(val text: String, private val maxDepth: Int) {
    var pos: Int = 0
        private set

    /** Thrown for text that is not JSON; [offset] is where it went wrong. */
    class SyntaxError(val why: String, val offset: Int) : Exception(why, null, false, false)

    /** Thrown for text nested deeper than the scanner's limit. */
    class TooDeep : Exception(null, null, false, false)

    fun fail(why: String): Nothing = throw SyntaxError(why, pos)

    fun skipWhitespace() {
        val t = text
        var p = pos
        while (p < t.length) {
            val c = t[p]
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') p++ else break
        }
        pos = p
    }

    fun atEnd(): Boolean = pos >= text.length

    /** The next character, or `\u0000` at the end. */
    fun peek(): Char = if (pos < text.length) text[pos] else '\u0000'

    fun expect(c: Char) {
        if (peek() != c) fail(if (atEnd()) "unexpected end, '$c' expected" else "'$c' expected, got '${text[pos]}'")
        pos++
    }

    /** Consumes [c] when it is next; answers whether it was. */
    fun take(c: Char): Boolean {
        if (peek() != c) return false
        pos++
        return true
    }

    /** Reads a string at the cursor, with its escapes decoded. */
    fun readString(): String {
        expect('"')
        val t = text
        val start = pos
        var p = start
        while (p < t.length) {
            val c = t[p]
            if (c == '"') {
                pos = p + 1
                return t.substring(start, p)
            }
            if (c == '\\') break
            if (c < ' ') {
                pos = p
                fail("a control character in a string")
            }
            p++
        }
        // slow path: escapes
        val sb = StringBuilder(p - start + 16).append(t, start, p)
        while (p < t.length) {
            val c = t[p]
            when {
                c == '"' -> {
                    pos = p + 1
                    return sb.toString()
                }
                c == '\\' -> {
                    if (p + 1 >= t.length) break
                    when (val e = t[p + 1]) {
                        '"' -> sb.append('"')
                        '\\' -> sb.append('\\')
                        '/' -> sb.append('/')
                        'b' -> sb.append('\b')
                        'f' -> sb.append('\u000c')
                        'n' -> sb.append('\n')
                        'r' -> sb.append('\r')
                        't' -> sb.append('\t')
                        'u' -> {
                            if (p + 6 > t.length) break
                            if ((2 until 6).any { hexValue(t[p + it]) < 0 }) {
                                pos = p
                                fail("a bad \\u escape")
                            }
                            val code = t.substring(p + 2, p + 6).toInt(16)
                            sb.append(code.toChar())
                            p += 4
                        }
                        else -> {
                            pos = p
                            fail("a bad escape '\\$e'")
                        }
                    }
                    p += 2
                }
                c < ' ' -> {
                    pos = p
                    fail("a control character in a string")
                }
                else -> {
                    sb.append(c)
                    p++
                }
            }
        }
        pos = t.length
        fail("an unterminated string")
    }

    /** Steps over a string at the cursor without decoding it, checking its escapes. */
    private fun skipString() {
        val t = text
        var p = pos + 1
        while (p < t.length) {
            val c = t[p]
            when {
                c == '"' -> {
                    pos = p + 1
                    return
                }
                c == '\\' -> {
                    val e = if (p + 1 < t.length) t[p + 1] else '\u0000'
                    p += when (e) {
                        '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> 2
                        'u' -> {
                            if (p + 6 > t.length || (2 until 6).any { hexValue(t[p + it]) < 0 }) {
                                pos = p
                                fail("a bad \\u escape")
                            }
                            6
                        }
                        else -> {
                            pos = p
                            fail("a bad escape")
                        }
                    }
                }
                c < ' ' -> {
                    pos = p
                    fail("a control character in a string")
                }
                else -> p++
            }
        }
        pos = t.length
        fail("an unterminated string")
    }

    private fun skipNumber() {
        val t = text
        var p = pos
        if (p < t.length && t[p] == '-') p++
        val digits = p
        while (p < t.length && t[p] in '0'..'9') p++
        if (p == digits) fail("a number expected")
        if (p - digits > 1 && t[digits] == '0') {
            pos = digits
            fail("a number with a leading zero")
        }
        if (p < t.length && t[p] == '.') {
            p++
            val frac = p
            while (p < t.length && t[p] in '0'..'9') p++
            if (p == frac) {
                pos = p
                fail("digits expected after '.'")
            }
        }
        if (p < t.length && (t[p] == 'e' || t[p] == 'E')) {
            p++
            if (p < t.length && (t[p] == '+' || t[p] == '-')) p++
            val exp = p
            while (p < t.length && t[p] in '0'..'9') p++
            if (p == exp) {
                pos = p
                fail("digits expected in an exponent")
            }
        }
        pos = p
    }

    private fun hexValue(c: Char): Int = when (c) {
        in '0'..'9' -> c - '0'
        in 'a'..'f' -> c - 'a' + 10
        in 'A'..'F' -> c - 'A' + 10
        else -> -1
    }

    private fun skipLiteral(word: String) {
        if (!text.startsWith(word, pos)) fail("unexpected '${text[pos]}'")
        pos += word.length
    }

    /** Reads `true` or `false`; `null` when the value at the cursor is something else (left unread). */
    fun readBoolean(): Boolean? = when {
        text.startsWith("true", pos) -> {
            pos += 4
            true
        }
        text.startsWith("false", pos) -> {
            pos += 5
            false
        }
        else -> null
    }

    /**
     * Reads an integer at the cursor, or answers `null` (cursor unmoved) when the value there is
     * not a JSON number without fraction or exponent that fits a `Long`.
     */
    fun readLong(): Long? {
        val start = pos
        val c = peek()
        if (c != '-' && c !in '0'..'9') return null
        skipNumber()
        val s = text.substring(start, pos)
        val v = s.toLongOrNull()
        if (v == null) pos = start
        return v
    }

    /**
     * Steps over one value at the cursor, nested at most to the scanner's limit counting from
     * [depth] (the depth of the container the value is in), checking its syntax on the way.
     */
    fun skipValue(depth: Int) {
        when (val c = peek()) {
            '"' -> skipString()
            '{', '[' -> skipContainer(depth)
            't' -> skipLiteral("true")
            'f' -> skipLiteral("false")
            'n' -> skipLiteral("null")
            '\u0000' -> if (atEnd()) fail("unexpected end, a value expected") else fail("unexpected '\\u0000'")
            else -> if (c == '-' || c in '0'..'9') skipNumber() else fail("unexpected '$c'")
        }
    }

    /** Steps over an object or array, with a stack instead of recursion. */
    private fun skipContainer(outer: Int) {
        // isObject per open container; grows only as deep as the frame nests (at most maxDepth)
        var stack = BooleanArray(8)
        var top = -1
        while (true) {
            // at the start of a value
            skipWhitespace()
            val c = peek()
            if (c == '{' || c == '[') {
                if (outer + top + 2 > maxDepth) throw TooDeep()
                top++
                if (top == stack.size) stack = stack.copyOf(stack.size * 2)
                stack[top] = c == '{'
                pos++
                skipWhitespace()
                if (take(if (c == '{') '}' else ']')) {
                    top--
                } else {
                    if (c == '{') objectKey()
                    continue
                }
            } else {
                skipValue(outer + top + 1)
            }
            // after a value
            while (true) {
                if (top < 0) return
                skipWhitespace()
                val isObject = stack[top]
                when {
                    take(',') -> {
                        skipWhitespace()
                        if (isObject) objectKey()
                        break
                    }
                    take(if (isObject) '}' else ']') -> top--
                    else -> fail(if (atEnd()) "unexpected end" else if (isObject) "',' or '}' expected" else "',' or ']' expected")
                }
            }
        }
    }

    private fun objectKey() {
        if (peek() != '"') fail("a string key expected")
        skipString()
        skipWhitespace()
        expect(':')
    }

    /**
     * Steps over the rest of an object whose '{' was read, from a key or its end, for a caller
     * that reads some of its keys itself: answers the next key, or `null` at the closing brace.
     */
    fun nextKey(first: Boolean): String? {
        skipWhitespace()
        if (take('}')) return null
        if (!first) {
            expect(',')
            skipWhitespace()
        }
        if (peek() != '"') fail("a string key expected")
        val key = readString()
        skipWhitespace()
        expect(':')
        skipWhitespace()
        return key
    }
}
