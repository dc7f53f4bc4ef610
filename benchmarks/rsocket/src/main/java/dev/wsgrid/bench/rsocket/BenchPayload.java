package dev.wsgrid.bench.rsocket;

import java.util.ArrayList;
import java.util.List;

/** The payload workload's argument and result: the JSON shape every other client sends (~3 KB). */
public record BenchPayload(int id, String name, List<String> tags, List<Double> values, String note) {
    static BenchPayload sample(int id) {
        List<String> tags = new ArrayList<>();
        for (int i = 0; i < 32; i++) tags.add("tag-" + i);
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 256; i++) values.add(i * 1.5);
        return new BenchPayload(id, "payload-" + id, tags, values, "x".repeat(1200));
    }
}
