package dev.corridor.operator.crd;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;

/**
 * The schema of {@code status.conditions}: Fabric8's Condition with the bounds of Kubernetes' own metav1.Condition.
 * The status keeps Condition as its Java type; this class only shapes the CRD.
 */
final class ConditionsSchema extends ArrayList<ConditionsSchema.Item> {
    record Item(
            @Size(max = 64) String lastTransitionTime,
            @Size(max = 32768) String message,
            Long observedGeneration,
            @Size(max = 1024) String reason,

            @Pattern("^(True|False|Unknown)$") @Size(max = 7)
            String status,

            @Size(max = 316) String type) {}
}
