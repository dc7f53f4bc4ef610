package dev.wsgrid.java;

import dev.wsgrid.apicheck.ApiDump;
import org.junit.jupiter.api.Test;

/** The facade's public API is the one in api/java-facade.api: an accidental change fails here (see {@link ApiDump}). */
class ApiDumpTest {
    @Test
    void thePublicApiIsTheCheckedInDump() {
        ApiDump.check("java-facade");
    }
}
