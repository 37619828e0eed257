package dev.corridor.sidecar.testing;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Work on a platform thread of its own. Never the common pool: on a two-core machine it has one worker, so a
 * transfer running there starves the readers of every command's output. Never a virtual thread either: work that
 * entered a network namespace must stay on the OS thread that entered it.
 */
public final class Background {
    private Background() {}

    public static <T> CompletableFuture<T> supply(Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("test-background").start(() -> {
            try {
                result.complete(work.get());
            } catch (Throwable failure) {
                result.completeExceptionally(failure);
            }
        });
        return result;
    }
}
