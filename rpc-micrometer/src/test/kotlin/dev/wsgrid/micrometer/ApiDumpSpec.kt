package dev.wsgrid.micrometer

import dev.wsgrid.apicheck.ApiDump
import io.kotest.core.spec.style.FunSpec

/** The module's public API is the one in api/rpc-micrometer.api: an accidental change fails here (see [ApiDump]). */
class ApiDumpSpec : FunSpec({
    test("the public API is the checked-in api/rpc-micrometer.api") { ApiDump.check("rpc-micrometer") }
})
