"""Long SymPy results laid out over several lines (vanishing.symbolic.display), so that they fit
the text column at desktop width."""

from __future__ import annotations

import pytest
import sympy as sp

from vanishing import symbolic
from vanishing.symbolic import gates


def test_latex_lines_puts_per_line_terms_on_each_line_with_their_signs():
    tex = symbolic.latex_lines("y", ["a", "-b", "c", r"- d"], per_line=2)
    assert tex == r"\begin{aligned}y &= a - b\\[2pt] &\quad + c - d\end{aligned}"
    assert symbolic.latex_lines("y", ["a"]) == r"\begin{aligned}y &= a\end{aligned}"


def test_the_scalar_bptt_sum_keeps_its_terms_one_per_line():
    scalar = symbolic.unrolled_scalar(3, "tanh")
    terms = [scalar.latex_display(k) for k in (3, 2, 1)]
    tex = symbolic.latex_lines(r"\frac{\partial\mathcal L}{\partial w}", terms)
    assert tex.count(r"\\[2pt]") == 2
    assert all(term in tex for term in terms)
    assert scalar.latex_display() == " + ".join(terms)  # the same sum as on one line


@pytest.mark.parametrize("convention", ["u_candidate", "u_previous"])
def test_the_gru_derivative_is_one_path_per_line(convention):
    gru = gates.scalar_gru(convention)
    tex = symbolic.latex_sum_lines(gru.display)
    terms = sp.Add.make_args(gru.display.rhs)
    assert len(terms) == 3 and tex.count(r"\\[2pt]") == 2
    assert tex.startswith(r"\begin{aligned}" + sp.latex(gru.display.lhs))
    # the lines say the same as the one-line display
    flat = gru.latex_display().split(" = ", 1)[1]
    assert tex.split("&= ", 1)[1].replace(r"\\[2pt] &\quad ", " ").replace(
        r"\end{aligned}", ""
    ) == (flat)


def test_the_power_of_the_example_matrix_puts_the_matrix_on_its_own_line():
    eig = symbolic.power_by_eigendecomposition()
    tex = symbolic.latex_power_lines(eig)
    head, formula, matrix = eig.latex_display().split(" = ")
    assert tex == (
        r"\begin{aligned}" + head + " &= " + formula + r"\\[4pt] &= " + matrix + r"\end{aligned}"
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: symbolic.latex_lines(1, ["a"]), TypeError, "^lhs"),
        (lambda: symbolic.latex_lines("y", "a + b"), TypeError, "^terms"),
        (lambda: symbolic.latex_lines("y", []), ValueError, "^terms"),
        (lambda: symbolic.latex_lines("y", ["a", 2]), TypeError, "^terms"),
        (lambda: symbolic.latex_lines("y", ["a"], per_line=0), ValueError, "^per_line"),
        (lambda: symbolic.latex_lines("y", ["a"], per_line=1.5), TypeError, "^per_line"),
        (lambda: symbolic.latex_sum_lines("y = a"), TypeError, "^equation"),
        (lambda: symbolic.latex_power_lines(None), TypeError, "^power"),
    ],
)
def test_the_layout_helpers_reject_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
