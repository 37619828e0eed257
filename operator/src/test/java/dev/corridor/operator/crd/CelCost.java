package dev.corridor.operator.crd;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.ast.CelReference;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The static cost the API server estimates for a CEL rule before it accepts a CRD: a port of cel-go's
 * {@code checker/cost.go} (the coster, for the standard functions) with the apiserver's size estimator, which reads
 * maxLength, maxItems and maxProperties from the schema ({@link CelDecl}). Costs are unsigned 64-bit and saturate, as
 * in Go.
 */
final class CelCost {
    /** cel-go common/cost.go. */
    private static final double STRING_TRAVERSAL_COST_FACTOR = 0.1;

    private static final double REGEX_STRING_LENGTH_COST_FACTOR = 0.25;
    private static final long LIST_CREATE_BASE_COST = 10;
    private static final long MAP_CREATE_BASE_COST = 30;
    private static final long STRUCT_CREATE_BASE_COST = 40;
    private static final Range UNKNOWN_SIZE = new Range(0, -1L);
    /** has() costs nothing: the apiserver's CEL environment sets checker.PresenceTestHasCost(false) (cel-go's default is 1). */
    private static final Range PRESENCE_TEST_COST = Range.of(0);

    /** A min..max range of unsigned 64-bit values (cost or size); -1 is 2^64-1, where Go saturates. */
    record Range(long min, long max) {
        static Range of(long value) {
            return new Range(value, value);
        }

        Range add(Range other) {
            return new Range(add(min, other.min), add(max, other.max));
        }

        Range multiply(Range other) {
            return new Range(multiply(min, other.min), multiply(max, other.max));
        }

        Range multiplyByCostFactor(double factor) {
            return new Range(byFactor(min, factor), byFactor(max, factor));
        }

        Range union(Range other) {
            return new Range(
                    Long.compareUnsigned(other.min, min) < 0 ? other.min : min,
                    Long.compareUnsigned(other.max, max) > 0 ? other.max : max);
        }

        static long add(long x, long y) {
            long sum = x + y;
            return Long.compareUnsigned(sum, x) < 0 ? -1L : sum;
        }

        static long multiply(long x, long y) {
            if (y != 0 && Long.compareUnsigned(x, Long.divideUnsigned(-1L, y)) > 0) {
                return -1L;
            }
            return x * y;
        }

        private static long byFactor(long x, double factor) {
            double value = Math.ceil(unsigned(x) * factor);
            return value >= 0x1p64 ? -1L : value >= 0x1p63 ? (long) (value - 0x1p63) + Long.MIN_VALUE : (long) value;
        }

        private static double unsigned(long x) {
            return x >= 0 ? x : (double) (x >>> 1) * 2 + (x & 1);
        }
    }

    private record LocalVar(List<String> path, Range size) {}

    private final CelAbstractSyntaxTree ast;
    private final CelDecl self;
    private final Map<Long, List<String>> paths = new HashMap<>();
    private final Map<Long, Range> sizes = new HashMap<>();
    private final Map<String, Deque<LocalVar>> locals = new HashMap<>();
    private final Map<String, CelDecl> sized = new java.util.TreeMap<>();

    private CelCost(CelAbstractSyntaxTree ast, CelDecl self) {
        this.ast = ast;
        this.self = self;
    }

    /**
     * A rule's estimated cost, and the nodes whose size entered it (by path from {@code self}), which the schema
     * must bound for the estimate to mean anything.
     */
    record Estimate(Range cost, Map<String, CelDecl> sized) {}

    /** The estimated cost of a checked rule whose {@code self} is the given node. */
    static Estimate estimate(CelAbstractSyntaxTree checked, CelDecl self) {
        CelCost coster = new CelCost(checked, self);
        Range cost = coster.cost(checked.getExpr());
        return new Estimate(cost, coster.sized);
    }

    private Range cost(CelExpr e) {
        return switch (e.getKind()) {
            case CONSTANT -> Range.of(0);
            case IDENT -> {
                LocalVar local = peek(e.ident().name());
                paths.put(e.id(), local != null ? local.path : List.of(e.ident().name()));
                yield Range.of(1);
            }
            case SELECT -> costSelect(e);
            case CALL -> costCall(e);
            case LIST -> {
                Range sum = Range.of(0);
                for (CelExpr element : e.list().elements()) {
                    sum = sum.add(cost(element));
                }
                yield sum.add(Range.of(LIST_CREATE_BASE_COST));
            }
            case MAP -> {
                Range sum = Range.of(0);
                for (CelExpr.CelMap.Entry entry : e.map().entries()) {
                    sum = sum.add(cost(entry.key())).add(cost(entry.value()));
                }
                yield sum.add(Range.of(MAP_CREATE_BASE_COST));
            }
            case STRUCT -> {
                Range sum = Range.of(0);
                for (CelExpr.CelStruct.Entry entry : e.struct().entries()) {
                    sum = sum.add(cost(entry.value()));
                }
                yield sum.add(Range.of(STRUCT_CREATE_BASE_COST));
            }
            case COMPREHENSION -> costComprehension(e);
            case NOT_SET -> Range.of(0);
        };
    }

    private Range costSelect(CelExpr e) {
        CelExpr.CelSelect select = e.select();
        if (select.testOnly()) {
            return PRESENCE_TEST_COST.add(cost(select.operand()));
        }
        Range sum = cost(select.operand());
        CelKind kind = type(select.operand()).kind();
        if (kind == CelKind.MAP || kind == CelKind.STRUCT || kind == CelKind.TYPE_PARAM) {
            sum = sum.add(Range.of(1));
        }
        paths.put(e.id(), CelDecl.append(path(select.operand()), select.field()));
        return sum;
    }

    private Range costCall(CelExpr e) {
        CelExpr.CelCall call = e.call();
        if (call.function().equals("dyn")) {
            Range argument = cost(call.args().getFirst());
            Optional.ofNullable(size(call.args().getFirst())).ifPresent(size -> sizes.put(e.id(), size));
            return Range.of(1).add(argument);
        }
        List<Range> argCosts = new ArrayList<>();
        for (CelExpr arg : call.args()) {
            argCosts.add(cost(arg));
        }
        List<String> overloads =
                ast.getReference(e.id()).map(CelReference::overloadIds).orElse(null);
        if (overloads == null || overloads.isEmpty()) {
            return Range.of(0);
        }
        Range sum = Range.of(0);
        if (call.target().isPresent()) {
            sum = sum.add(cost(call.target().get()));
        }
        Range functionCost = new Range(-1L, 0);
        Range resultSize = null;
        for (String overload : overloads) {
            Call estimate = functionCost(overload, call.target().orElse(null), call.args(), argCosts);
            functionCost = functionCost.union(estimate.cost);
            if (estimate.resultSize != null) {
                resultSize = resultSize == null ? estimate.resultSize : resultSize.union(estimate.resultSize);
            }
            if (overload.equals("index_list") || overload.equals("index_map")) {
                paths.put(
                        e.id(),
                        CelDecl.append(
                                path(call.args().getFirst()), overload.equals("index_list") ? "@items" : "@values"));
            }
            if (resultSize == null) {
                resultSize = size(e);
            }
        }
        if (resultSize != null) {
            sizes.put(e.id(), resultSize);
        }
        return sum.add(functionCost);
    }

    private record Call(Range cost, Range resultSize) {}

    private Call functionCost(String overload, CelExpr target, List<CelExpr> args, List<Range> argCosts) {
        Range argSum = argCosts.stream().reduce(Range.of(0), Range::add);
        switch (overload) {
            case "starts_with_string", "ends_with_string" -> {
                return new Call(
                        sizeOrUnknown(args.getFirst())
                                .multiplyByCostFactor(STRING_TRAVERSAL_COST_FACTOR)
                                .add(argSum),
                        null);
            }
            case "in_list" -> {
                return new Call(
                        sizeOrUnknown(args.get(1)).multiplyByCostFactor(1).add(argSum), null);
            }
            case "matches_string" -> {
                Range string =
                        sizeOrUnknown(target).add(Range.of(1)).multiplyByCostFactor(STRING_TRAVERSAL_COST_FACTOR);
                Range regex = sizeOrUnknown(args.getFirst()).multiplyByCostFactor(REGEX_STRING_LENGTH_COST_FACTOR);
                return new Call(string.multiply(regex).add(argSum), null);
            }
            case "contains_string" -> {
                Range string = sizeOrUnknown(target).multiplyByCostFactor(STRING_TRAVERSAL_COST_FACTOR);
                Range part = sizeOrUnknown(args.getFirst()).multiplyByCostFactor(STRING_TRAVERSAL_COST_FACTOR);
                return new Call(string.multiply(part).add(argSum), null);
            }
            case "logical_or", "logical_and" -> {
                Range lhs = argCosts.get(0);
                Range rhs = argCosts.get(1);
                return new Call(new Range(lhs.min(), lhs.add(rhs).max()), null);
            }
            case "conditional" -> {
                Range size = sizeOrUnknown(args.get(1)).union(sizeOrUnknown(args.get(2)));
                return new Call(argCosts.get(0).add(argCosts.get(1).union(argCosts.get(2))), size);
            }
            case "add_string", "add_bytes", "add_list" -> {
                Range size = sizeOrUnknown(args.get(0)).add(sizeOrUnknown(args.get(1)));
                Range cost = overload.equals("add_list")
                        ? Range.of(1).add(argSum)
                        : size.multiplyByCostFactor(STRING_TRAVERSAL_COST_FACTOR)
                                .add(argSum);
                return new Call(cost, size);
            }
            case "less_string",
                    "greater_string",
                    "less_equals_string",
                    "greater_equals_string",
                    "less_bytes",
                    "greater_bytes",
                    "less_equals_bytes",
                    "greater_equals_bytes",
                    "equals",
                    "not_equals" -> {
                Range lhs = sizeOrUnknown(args.get(0));
                Range rhs = sizeOrUnknown(args.get(1));
                long smallestMax = Long.compareUnsigned(rhs.max(), lhs.max()) < 0 ? rhs.max() : lhs.max();
                return new Call(
                        new Range(smallestMax != 0 ? 1 : 0, smallestMax)
                                .multiplyByCostFactor(STRING_TRAVERSAL_COST_FACTOR)
                                .add(argSum),
                        null);
            }
            default -> {
                return new Call(Range.of(1).add(argSum), null);
            }
        }
    }

    private Range costComprehension(CelExpr e) {
        CelExpr.CelComprehension comprehension = e.comprehension();
        if (!comprehension.iterVar2().isEmpty()) {
            throw new IllegalArgumentException("two-variable comprehensions are not modelled by this port");
        }
        Range sum = cost(comprehension.iterRange()).add(cost(comprehension.accuInit()));
        push(comprehension.accuVar(), new LocalVar(path(comprehension.accuInit()), size(comprehension.accuInit())));
        boolean map = type(comprehension.iterRange()).kind() == CelKind.MAP;
        push(
                comprehension.iterVar(),
                new LocalVar(CelDecl.append(path(comprehension.iterRange()), map ? "@keys" : "@items"), null));
        Range loop = cost(comprehension.loopCondition());
        Range step = cost(comprehension.loopStep());
        pop(comprehension.iterVar());
        sum = sum.add(cost(comprehension.result()));
        pop(comprehension.accuVar());
        Range count = sizeOrUnknown(comprehension.iterRange());
        return sum.add(count.multiply(step.add(loop)));
    }

    private Range sizeOrUnknown(CelExpr e) {
        Range size = size(e);
        return size != null ? size : UNKNOWN_SIZE;
    }

    /** cel-go's computeSize: a call's result, a literal, the schema's bound for the path, a scalar, a local. */
    private Range size(CelExpr e) {
        if (sizes.containsKey(e.id())) {
            return sizes.get(e.id());
        }
        if (e.getKind() == CelExpr.ExprKind.Kind.CONSTANT) {
            CelConstant constant = e.constant();
            if (constant.getKind() == CelConstant.Kind.STRING_VALUE) {
                return Range.of(constant.stringValue()
                        .codePointCount(0, constant.stringValue().length()));
            }
            if (constant.getKind() == CelConstant.Kind.BYTES_VALUE) {
                return Range.of(constant.bytesValue().size());
            }
        }
        if (e.getKind() == CelExpr.ExprKind.Kind.LIST) {
            return Range.of(e.list().elements().size());
        }
        if (e.getKind() == CelExpr.ExprKind.Kind.MAP) {
            return Range.of(e.map().entries().size());
        }
        List<String> path = path(e);
        if (!path.isEmpty()) {
            Optional<CelDecl> node = self.at(path);
            if (node.isPresent()) {
                sized.put(String.join(".", path.subList(1, path.size())), node.get());
                Range size = new Range(0, node.get().maxElements());
                sizes.put(e.id(), size);
                return size;
            }
        }
        switch (type(e).kind()) {
            case BOOL, DOUBLE, DURATION, INT, TIMESTAMP, UINT, NULL_TYPE -> {
                return Range.of(1);
            }
            default -> {}
        }
        if (e.getKind() == CelExpr.ExprKind.Kind.IDENT) {
            LocalVar local = peek(e.ident().name());
            if (local != null && local.size != null) {
                return local.size;
            }
        }
        return null;
    }

    private List<String> path(CelExpr e) {
        if (e.getKind() == CelExpr.ExprKind.Kind.IDENT) {
            LocalVar local = peek(e.ident().name());
            if (local != null) {
                return local.path;
            }
        }
        return paths.getOrDefault(e.id(), List.of());
    }

    private CelType type(CelExpr e) {
        return ast.getTypeOrThrow(e.id());
    }

    private void push(String name, LocalVar local) {
        locals.computeIfAbsent(name, key -> new ArrayDeque<>()).push(local);
    }

    private void pop(String name) {
        locals.get(name).pop();
    }

    private LocalVar peek(String name) {
        Deque<LocalVar> stack = locals.get(name);
        return stack == null ? null : stack.peek();
    }
}
