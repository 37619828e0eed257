package dev.corridor.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The port of cel-go's cost estimator gives the figures cel-go's own tests publish (checker/cost_test.go; there the
 * variable is {@code input}, here {@code self}, and size hints are the declarations' bounds).
 */
class CelCostTest {
    private static final CelDecl INT = new CelDecl(SimpleType.INT, 0, true, 1, Map.of(), null);

    @Test
    void literalsAndCalls() throws Exception {
        assertThat(cost("[1, 2, 3]", INT)).isEqualTo(10);
        assertThat(cost("{'a': 1, 'b': 2, 'c': 3}", INT)).isEqualTo(30);
        assertThat(cost("2 in [1, 2, 3]", INT)).isEqualTo(13);
        assertThat(cost("1 < 2", INT)).isEqualTo(1);
        assertThat(cost("true || false", INT)).isEqualTo(0);
        assertThat(cost("true ? 1 : 2", INT)).isEqualTo(0);
        assertThat(cost("size('123')", INT)).isEqualTo(1);
        assertThat(cost("'123'.matches('[0-9]')", INT)).isEqualTo(2);
    }

    @Test
    void aMatchScalesWithTheStringAndTheRegex() throws Exception {
        CelDecl string500 = new CelDecl(SimpleType.STRING, 500, true, 2, Map.of(), null);

        assertThat(cost("self.matches('[0-9]')", string500)).isEqualTo(103);
        assertThat(cost("self.matches('\\\\d+a\\\\d+b')", string500)).isEqualTo(103);
        assertThat(cost("self.size()", string500)).isEqualTo(2);
    }

    @Test
    void aComprehensionCostsItsStepTimesTheListsBound() throws Exception {
        CelDecl list100 = list(INT, 100);
        CelDecl nested = list(list(INT, 10), 50);

        assertThat(cost("self.all(x, true)", list100)).isEqualTo(302);
        assertThat(cost("self.all(x, x.all(y, true))", nested)).isEqualTo(1752);
        assertThat(cost("[1, 2, 3].all(x, true)", INT)).isEqualTo(20);
    }

    private static CelDecl list(CelDecl items, long maxItems) {
        return new CelDecl(ListType.create(items.type()), maxItems, true, 2, Map.of(), items);
    }

    private static long cost(String expression, CelDecl self) throws Exception {
        CelType type = self.type();
        var ast = CelCompilerFactory.standardCelCompilerBuilder()
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("self", type)
                .build()
                .compile(expression)
                .getAst();
        return CelCost.estimate(ast, self).cost().max();
    }
}
