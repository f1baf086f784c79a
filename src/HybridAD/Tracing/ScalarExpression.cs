using System.Collections.Immutable;
using System.Globalization;

namespace HybridAD.Tracing;

/// <summary>
/// A syntax error in an expression given to <see cref="ScalarExpression.Parse"/>: where it is (a 1-based
/// column), what was expected there and what was found.
/// </summary>
public sealed class ExpressionSyntaxException : FormatException
{
    internal ExpressionSyntaxException(string text, int position, string expected, string found)
        : base($"Syntax error at position {position}: expected {expected}, found {found}.\n  {text}\n  {new string(' ', Math.Max(0, position - 1))}^")
    {
        Position = position;
        Expected = expected;
        Found = found;
    }

    /// <summary>The 1-based column of the error.</summary>
    public int Position { get; }

    /// <summary>What the parser expected there.</summary>
    public string Expected { get; }

    /// <summary>What it found instead.</summary>
    public string Found { get; }
}

/// <summary>
/// A small expression language over HybridAD's elemental functions, for tracing a formula typed on the command
/// line: numbers, variables, <c>+ - * / ^</c>, unary minus, parentheses, the constant <c>pi</c>, function calls
/// (sin cos tan asin acos atan sinh cosh tanh exp expm1 log ln log1p sqrt square cube recip abs relu sigmoid
/// softplus; atan2 pow min max hypot of two arguments), and several outputs separated by commas.
/// <c>x^c</c> with a constant exponent is the elemental <c>powc</c>, <c>x^y</c> the general power.
/// Precedence from low to high: <c>+ -</c>, <c>* /</c>, unary minus, <c>^</c> (right-associative: −x^2 = −(x²)).
/// </summary>
/// <example><code>
/// var e = ScalarExpression.Parse("(sin(x1/x2) + x1/x2 - exp(x2)) * (x1/x2 - exp(x2))");
/// Func&lt;Scalar[], Scalar[]&gt; f = e.Compile(["x1", "x2"]);
/// </code></example>
public sealed class ScalarExpression
{
    private enum Code : byte { Const, Var, Neg, Add, Sub, Mul, Div, Pow, Call1, Call2 }

    private readonly record struct Instruction(Code Code, double Constant, string? Name);

    private static readonly Dictionary<string, Func<Scalar, Scalar>> s_unary = new()
    {
        ["sin"] = Scalar.Sin, ["cos"] = Scalar.Cos, ["tan"] = Scalar.Tan, ["asin"] = Scalar.Asin, ["acos"] = Scalar.Acos,
        ["atan"] = Scalar.Atan, ["sinh"] = Scalar.Sinh, ["cosh"] = Scalar.Cosh, ["tanh"] = Scalar.Tanh, ["exp"] = Scalar.Exp,
        ["expm1"] = Scalar.Expm1, ["log"] = Scalar.Log, ["ln"] = Scalar.Log, ["log1p"] = Scalar.Log1p, ["sqrt"] = Scalar.Sqrt,
        ["square"] = Scalar.Square, ["cube"] = Scalar.Cube, ["recip"] = Scalar.Reciprocal, ["abs"] = Scalar.Abs,
        ["relu"] = Scalar.Relu, ["sigmoid"] = Scalar.Sigmoid, ["softplus"] = Scalar.Softplus,
    };

    private static readonly Dictionary<string, Func<Scalar, Scalar, Scalar>> s_binary = new()
    {
        ["atan2"] = Scalar.Atan2, ["pow"] = Scalar.Pow, ["min"] = Scalar.Min, ["max"] = Scalar.Max, ["hypot"] = Scalar.Hypot,
    };

    private const int MaxDepth = 256;

    private readonly ImmutableArray<ImmutableArray<Instruction>> _outputs;

    private ScalarExpression(string text, ImmutableArray<ImmutableArray<Instruction>> outputs, ImmutableArray<string> variables)
    {
        Text = text;
        _outputs = outputs;
        Variables = variables;
    }

    /// <summary>The source text.</summary>
    public string Text { get; }

    /// <summary>The variables, in order of first appearance.</summary>
    public ImmutableArray<string> Variables { get; }

    /// <summary>The number of comma-separated outputs.</summary>
    public int OutputCount => _outputs.Length;

    /// <summary>The known function names (one argument, then two).</summary>
    public static IEnumerable<string> Functions => s_unary.Keys.Concat(s_binary.Keys);

    /// <summary>Parses an expression (see the class summary for the grammar).</summary>
    /// <exception cref="ExpressionSyntaxException">The text is not an expression: the message gives the position,
    /// what was expected and what was found.</exception>
    public static ScalarExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        var outputs = ImmutableArray.CreateBuilder<ImmutableArray<Instruction>>();
        while (true)
        {
            var code = new List<Instruction>();
            parser.Expression(code, 0);
            outputs.Add([.. code]);
            if (parser.Peek().Kind == TokenKind.Comma) { parser.Next(); continue; }
            Token t = parser.Peek();
            if (t.Kind != TokenKind.End) throw parser.Error(t, "an operator, ',' or the end of the expression");
            break;
        }
        return new ScalarExpression(text, outputs.ToImmutable(), [.. parser.Variables]);
    }

    /// <summary>
    /// The expression as a function of its variables in the order <paramref name="variableOrder"/> (which must name
    /// every variable; extra names are inputs the expression does not use). With <paramref name="expandSigmoid"/>,
    /// σ(z) is evaluated as 1/(1 + exp(−z)) — four elementals — instead of one.
    /// </summary>
    /// <exception cref="ArgumentException">A variable of the expression is missing from the order, or a name repeats.</exception>
    public Func<Scalar[], Scalar[]> Compile(IReadOnlyList<string> variableOrder, bool expandSigmoid = false)
    {
        ArgumentNullException.ThrowIfNull(variableOrder);
        var slot = new Dictionary<string, int>();
        for (int i = 0; i < variableOrder.Count; i++)
            if (!slot.TryAdd(variableOrder[i], i))
                throw new ArgumentException($"The variable '{variableOrder[i]}' is given twice; expected each name once.", nameof(variableOrder));
        foreach (string v in Variables)
            if (!slot.ContainsKey(v))
                throw new ArgumentException(
                    $"The expression uses the variable '{v}', which has no value; expected a value for each of {string.Join(", ", Variables)}.",
                    nameof(variableOrder));

        // Resolve names once: the evaluation loop below indexes arrays only.
        var programs = new (Code Code, double Constant, int Slot, Func<Scalar, Scalar>? F1, Func<Scalar, Scalar, Scalar>? F2)[_outputs.Length][];
        for (int k = 0; k < _outputs.Length; k++)
        {
            programs[k] = new (Code, double, int, Func<Scalar, Scalar>?, Func<Scalar, Scalar, Scalar>?)[_outputs[k].Length];
            for (int i = 0; i < _outputs[k].Length; i++)
            {
                Instruction ins = _outputs[k][i];
                Func<Scalar, Scalar>? f1 = ins.Code == Code.Call1
                    ? (expandSigmoid && ins.Name == "sigmoid" ? ExpandedSigmoid : s_unary[ins.Name!]) : null;
                programs[k][i] = (ins.Code, ins.Constant, ins.Code == Code.Var ? slot[ins.Name!] : -1, f1,
                    ins.Code == Code.Call2 ? s_binary[ins.Name!] : null);
            }
        }
        int count = variableOrder.Count;
        return x =>
        {
            ArgumentNullException.ThrowIfNull(x);
            if (x.Length != count)
                throw new ArgumentException($"The expression takes {count} inputs, got {x.Length}; expected {count}.", nameof(x));
            var ys = new Scalar[programs.Length];
            var stack = new Stack<Scalar>();
            for (int k = 0; k < programs.Length; k++)
            {
                foreach (var (code, constant, index, f1, f2) in programs[k])
                {
                    switch (code)
                    {
                        case Code.Const: stack.Push(constant); break;
                        case Code.Var: stack.Push(x[index]); break;
                        case Code.Neg: stack.Push(-stack.Pop()); break;
                        case Code.Call1: stack.Push(f1!(stack.Pop())); break;
                        default:
                            Scalar b = stack.Pop(), a = stack.Pop();
                            stack.Push(code switch
                            {
                                Code.Add => a + b,
                                Code.Sub => a - b,
                                Code.Mul => a * b,
                                Code.Div => a / b,
                                Code.Pow => b.IsConstant ? Scalar.Pow(a, b.Value) : Scalar.Pow(a, b),
                                _ => f2!(a, b),
                            });
                            break;
                    }
                }
                ys[k] = stack.Pop();
            }
            return ys;
        };
    }

    /// <summary>σ(z) = 1/(1 + exp(−z)) as four elementals: −z, exp, 1 + ·, 1/·.</summary>
    private static Scalar ExpandedSigmoid(Scalar z) => Scalar.Reciprocal(1 + Scalar.Exp(-z));

    /// <summary>The source text.</summary>
    public override string ToString() => Text;

    // ------------------------------------------------------------------ lexer and recursive-descent parser

    private enum TokenKind { Number, Name, Plus, Minus, Star, Slash, Caret, LParen, RParen, Comma, End }

    private readonly record struct Token(TokenKind Kind, int Position, string Text, double Number);

    private sealed class Parser
    {
        private readonly string _text;
        private int _pos;
        private Token? _peeked;
        internal readonly List<string> Variables = [];

        internal Parser(string text) => _text = text;

        internal Exception Error(Token t, string expected) =>
            new ExpressionSyntaxException(_text, t.Position, expected, t.Kind == TokenKind.End ? "the end of the expression" : $"'{t.Text}'");

        internal Token Peek() => _peeked ??= Lex();

        internal Token Next()
        {
            Token t = Peek();
            _peeked = null;
            return t;
        }

        private Token Lex()
        {
            while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
            int start = _pos;
            if (_pos == _text.Length) return new Token(TokenKind.End, start + 1, "", 0);
            char c = _text[_pos];
            if (char.IsAsciiDigit(c) || (c == '.' && _pos + 1 < _text.Length && char.IsAsciiDigit(_text[_pos + 1])))
            {
                while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] == '.')) _pos++;
                if (_pos < _text.Length && (_text[_pos] is 'e' or 'E'))
                {
                    int save = _pos++;
                    if (_pos < _text.Length && (_text[_pos] is '+' or '-')) _pos++;
                    if (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
                        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
                    else _pos = save; // not an exponent: 2e is 2 followed by the name e
                }
                string s = _text[start.._pos];
                if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw new ExpressionSyntaxException(_text, start + 1, "a number", $"'{s}'");
                return new Token(TokenKind.Number, start + 1, s, v);
            }
            if (char.IsLetter(c) || c == '_')
            {
                while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
                return new Token(TokenKind.Name, start + 1, _text[start.._pos], 0);
            }
            _pos++;
            TokenKind kind = c switch
            {
                '+' => TokenKind.Plus, '-' or '−' => TokenKind.Minus, '*' or '·' or '×' => TokenKind.Star, '/' => TokenKind.Slash,
                '^' => TokenKind.Caret, '(' => TokenKind.LParen, ')' => TokenKind.RParen, ',' => TokenKind.Comma,
                _ => throw new ExpressionSyntaxException(_text, start + 1,
                    "a number, a name, an operator (+ - * / ^), a parenthesis or ','", $"'{c}'"),
            };
            return new Token(kind, start + 1, c.ToString(), 0);
        }

        private void Deeper(int depth, Token at)
        {
            if (depth > MaxDepth)
                throw new ExpressionSyntaxException(_text, at.Position, $"at most {MaxDepth} levels of nesting", "deeper nesting");
        }

        // expression := term (('+' | '-') term)*
        internal void Expression(List<Instruction> code, int depth)
        {
            Deeper(depth, Peek());
            Term(code, depth + 1);
            while (Peek().Kind is TokenKind.Plus or TokenKind.Minus)
            {
                Token op = Next();
                Term(code, depth + 1);
                code.Add(new Instruction(op.Kind == TokenKind.Plus ? Code.Add : Code.Sub, 0, null));
            }
        }

        // term := unary (('*' | '/') unary)*
        private void Term(List<Instruction> code, int depth)
        {
            Unary(code, depth + 1);
            while (Peek().Kind is TokenKind.Star or TokenKind.Slash)
            {
                Token op = Next();
                Unary(code, depth + 1);
                code.Add(new Instruction(op.Kind == TokenKind.Star ? Code.Mul : Code.Div, 0, null));
            }
        }

        // unary := ('-' | '+') unary | power
        private void Unary(List<Instruction> code, int depth)
        {
            Deeper(depth, Peek());
            if (Peek().Kind is TokenKind.Minus or TokenKind.Plus)
            {
                bool minus = Next().Kind == TokenKind.Minus;
                Unary(code, depth + 1);
                if (minus)
                {
                    // A literal −c is the constant −c, not an operation.
                    if (code[^1].Code == Code.Const) code[^1] = code[^1] with { Constant = -code[^1].Constant };
                    else code.Add(new Instruction(Code.Neg, 0, null));
                }
                return;
            }
            Power(code, depth + 1);
        }

        // power := primary ('^' unary)?
        private void Power(List<Instruction> code, int depth)
        {
            Primary(code, depth + 1);
            if (Peek().Kind == TokenKind.Caret)
            {
                Next();
                Unary(code, depth + 1);
                code.Add(new Instruction(Code.Pow, 0, null));
            }
        }

        // primary := number | name | name '(' expression (',' expression)? ')' | '(' expression ')'
        private void Primary(List<Instruction> code, int depth)
        {
            Token t = Next();
            switch (t.Kind)
            {
                case TokenKind.Number:
                    code.Add(new Instruction(Code.Const, t.Number, null));
                    return;
                case TokenKind.LParen:
                    Expression(code, depth + 1);
                    Expect(TokenKind.RParen, "')'");
                    return;
                case TokenKind.Name when Peek().Kind == TokenKind.LParen:
                {
                    Next();
                    bool one = s_unary.ContainsKey(t.Text), two = s_binary.ContainsKey(t.Text);
                    if (!one && !two)
                        throw new ExpressionSyntaxException(_text, t.Position,
                            "a known function (" + string.Join(", ", Functions) + ")", $"'{t.Text}'");
                    Expression(code, depth + 1);
                    if (two)
                    {
                        Expect(TokenKind.Comma, $"',' and the second argument of {t.Text}");
                        Expression(code, depth + 1);
                    }
                    Expect(TokenKind.RParen, one ? $"')' ({t.Text} takes one argument)" : "')'");
                    code.Add(new Instruction(one ? Code.Call1 : Code.Call2, 0, t.Text));
                    return;
                }
                case TokenKind.Name:
                    if (t.Text == "pi") { code.Add(new Instruction(Code.Const, Math.PI, null)); return; }
                    if (s_unary.ContainsKey(t.Text) || s_binary.ContainsKey(t.Text))
                        throw Error(Peek(), $"'(' after the function {t.Text}");
                    if (!Variables.Contains(t.Text)) Variables.Add(t.Text);
                    code.Add(new Instruction(Code.Var, 0, t.Text));
                    return;
                default:
                    throw Error(t, "a number, a variable, a function call or '('");
            }
        }

        private void Expect(TokenKind kind, string what)
        {
            Token t = Next();
            if (t.Kind != kind) throw Error(t, what);
        }
    }
}
