package dev.wsgrid.examples.guide;

// region java-streams-imports
import dev.wsgrid.java.WebSocketConnector;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
// endregion

/**
 * The Java stream sample of docs/guide/extensions.md, run by GuideSamplesRunSpec against the
 * Kotlin sample's numbers server ({@code startNumbersServer} in KotlinStreams.kt).
 */
public final class JavaStreams {
    private JavaStreams() {
    }

    // region java-streams-service
    interface Numbers {
        Flow.Publisher<Integer> count(int n);
        CompletableFuture<Long> sum(Flow.Publisher<Integer> values);
    }
    // endregion

    /** Subscribes to {@code count(5)} at {@code url} as the guide shows, printing to {@code System.out}. */
    public static void run(String url) {
        var connector = new WebSocketConnector<Object, Object>(null);
        connector.connect(url).join();
        try {
            // region java-streams-use
            CompletableFuture<Void> done = new CompletableFuture<>();
            connector.getDriver(Numbers.class).count(5).subscribe(new Flow.Subscriber<Integer>() {
                private Flow.Subscription subscription;
                @Override public void onSubscribe(Flow.Subscription s) { subscription = s; s.request(1); }
                @Override public void onNext(Integer item) { System.out.println(item); subscription.request(1); } // 1 2 3 4 5
                @Override public void onError(Throwable error) { done.completeExceptionally(error); }
                @Override public void onComplete() { done.complete(null); }
            });
            done.join();
            // endregion
        } finally {
            connector.close().join();
        }
    }
}
