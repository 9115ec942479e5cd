using System.Globalization;
using System.Net.Sockets;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>
/// Parses the filter language:
/// <code>
/// filter  := or
/// or      := and (("or" | "||") and)*
/// and     := unary (("and" | "&amp;&amp;")? unary)*      -- juxtaposition means and
/// unary   := ("not" | "!") unary | "(" or ")" | term
/// term    := FIELD VALUE | FIELD=VALUE | "quoted text" | bare-word (free text)
/// </code>
/// Errors are <see cref="FilterParseException"/>s naming the 1-based column.
/// </summary>
public static class FilterParser
{
    /// <summary>Parses filter text; empty or blank text gives null (matches everything).</summary>
    public static FilterNode? Parse(string text)
    {
        var tokens = FilterTokenizer.Tokenize(text);
        var state = new ParserState(tokens);
        if (state.Current.Kind == TokenKind.End) return null;
        var node = ParseOr(state);
        if (state.Current.Kind != TokenKind.End)
        {
            var t = state.Current;
            throw t.Kind == TokenKind.CloseParen
                ? new FilterParseException($"unbalanced ')' at column {t.Column}", t.Column)
                : new FilterParseException($"unexpected {t.Describe()} at column {t.Column}", t.Column);
        }
        return node;
    }

    /// <summary>Parentheses and <c>not</c> nested deeper than this are refused: the parser and the matcher recurse,
    /// and a request of 4,000 '(' must be a parse error, not a stack overflow that ends the process.</summary>
    public const int MaxNesting = 64;

    private sealed class ParserState(List<FilterToken> tokens)
    {
        private int _position;
        public int Depth;
        public FilterToken Current => tokens[_position];
        public FilterToken Peek(int ahead = 1) => tokens[Math.Min(_position + ahead, tokens.Count - 1)];
        public FilterToken Next() => tokens[_position++];
    }

    private static bool IsOr(FilterToken t) => t.IsKeyword("or") || t.IsKeyword("||");
    private static bool IsAnd(FilterToken t) => t.IsKeyword("and") || t.IsKeyword("&&");
    private static bool IsNot(FilterToken t) => t.IsKeyword("not");
    private static bool IsKeyword(FilterToken t) => IsOr(t) || IsAnd(t) || IsNot(t);

    private static FilterNode ParseOr(ParserState s)
    {
        var terms = new List<FilterNode> { ParseAnd(s) };
        while (IsOr(s.Current))
        {
            s.Next();
            terms.Add(ParseAnd(s));
        }
        return terms.Count == 1 ? terms[0] : new OrNode(Flatten<OrNode>(terms, o => o.Terms));
    }

    private static FilterNode ParseAnd(ParserState s)
    {
        var terms = new List<FilterNode> { ParseUnary(s) };
        while (true)
        {
            if (IsAnd(s.Current)) { s.Next(); terms.Add(ParseUnary(s)); continue; }
            var t = s.Current;
            if (t.Kind is TokenKind.Word or TokenKind.Quoted or TokenKind.OpenParen && !IsOr(t)) { terms.Add(ParseUnary(s)); continue; }
            break;
        }
        return terms.Count == 1 ? terms[0] : new AndNode(Flatten<AndNode>(terms, a => a.Terms));
    }

    private static List<FilterNode> Flatten<T>(List<FilterNode> terms, Func<T, IReadOnlyList<FilterNode>> children) where T : FilterNode
    {
        var flat = new List<FilterNode>();
        foreach (var term in terms)
            if (term is T same) flat.AddRange(children(same)); else flat.Add(term);
        return flat;
    }

    private static FilterNode ParseUnary(ParserState s)
    {
        var t = s.Current;
        if ((IsNot(t) || t.Kind == TokenKind.OpenParen) && s.Depth >= MaxNesting)
            throw new FilterParseException($"the filter nests parentheses or 'not' more than {MaxNesting} deep (column {t.Column})", t.Column);
        if (IsNot(t))
        {
            s.Next();
            s.Depth++;
            var negated = ParseUnary(s);
            s.Depth--;
            return new NotNode(negated);
        }
        if (t.Kind == TokenKind.OpenParen)
        {
            s.Next();
            if (s.Current.Kind == TokenKind.CloseParen)
                throw new FilterParseException($"empty parentheses at column {t.Column}", t.Column);
            s.Depth++;
            var inner = ParseOr(s);
            s.Depth--;
            if (s.Current.Kind != TokenKind.CloseParen)
                throw new FilterParseException($"missing ')' for '(' at column {t.Column}", s.Current.Column);
            s.Next();
            return inner;
        }
        if (t.Kind == TokenKind.Quoted) { s.Next(); return new TextTerm(t.Text); }
        if (t.Kind == TokenKind.Word && !IsKeyword(t)) return ParseTerm(s);
        throw t.Kind == TokenKind.End
            ? new FilterParseException($"filter ends where a term was expected (column {t.Column})", t.Column)
            : new FilterParseException($"expected a term at column {t.Column} but found {t.Describe()}", t.Column);
    }

    private static FilterNode ParseTerm(ParserState s)
    {
        var word = s.Next();
        var equals = word.Text.IndexOf('=');
        if (equals > 0)
        {
            // field=value, the way conntrack -L prints them.
            var name = word.Text[..equals];
            var value = word.Text[(equals + 1)..];
            if (FilterFieldNames.TryFind(name, out var field))
            {
                if (value.Length == 0) throw MissingValue(name, s.Current.Column);
                return ParseValue(field, value, word.Column + equals + 1);
            }
            if (name.All(c => char.IsLetter(c) || c is '-' or '_'))
                throw UnknownField(name, word.Column);
        }
        else if (FilterFieldNames.TryFind(word.Text, out var field))
        {
            var valueToken = s.Current;
            if (valueToken.Kind == TokenKind.Quoted || (valueToken.Kind == TokenKind.Word && !IsKeyword(valueToken)))
            {
                s.Next();
                return ParseValue(field, valueToken.Text, valueToken.Column);
            }
            throw MissingValue(word.Text, valueToken.Column);
        }
        else
        {
            // A bare word is free text, unless it is a near-miss of a field name followed by what looks like its value.
            var next = s.Current;
            if (next.Kind == TokenKind.Word && !IsKeyword(next) && FilterFieldNames.Suggest(word.Text) is not null &&
                !FilterFieldNames.TryFind(next.Text, out _))
                throw UnknownField(word.Text, word.Column);
        }
        return new TextTerm(word.Text);
    }

    private static FilterParseException MissingValue(string field, int column) =>
        new($"missing value for '{field}' at column {column}", column);

    private static FilterParseException UnknownField(string name, int column)
    {
        var suggestion = FilterFieldNames.Suggest(name);
        var hint = suggestion is null ? $"; fields are {string.Join(", ", FilterFieldNames.CanonicalNames)}" : $"; did you mean '{suggestion}'?";
        return new FilterParseException($"unknown field '{name}' at column {column}{hint}", column);
    }

    /// <summary>Parses the value of one field into a term. Also used by the conntrack-style option builder.</summary>
    internal static TermNode ParseValue(FilterField field, string value, int column)
    {
        string? error;
        switch (field)
        {
            case FilterField.Family:
                return value.ToLowerInvariant() switch
                {
                    "ipv4" or "inet" or "ip" or "4" => new FamilyTerm(AddressFamily.InterNetwork),
                    "ipv6" or "inet6" or "ip6" or "6" => new FamilyTerm(AddressFamily.InterNetworkV6),
                    _ => throw Bad($"unknown family '{value}' (ipv4 or ipv6)"),
                };
            case FilterField.Protocol:
                if (FilterNames.TryParseProtocol(value, out var protocol)) return new ProtocolTerm(protocol);
                throw Bad(value.All(char.IsAsciiDigit)
                    ? $"protocol {value} out of range 0-255"
                    : $"unknown protocol '{value}' ({string.Join(", ", FilterNames.ProtocolNames)} or a number)");
            case FilterField.Source or FilterField.Destination or FilterField.ReplySource or FilterField.ReplyDestination or FilterField.AnyAddress:
                if (AddressBlock.TryParse(value, out var block, out error)) return new AddressTerm(field, block);
                throw Bad(error!);
            case FilterField.SourcePort or FilterField.DestinationPort or FilterField.ReplySourcePort or FilterField.ReplyDestinationPort or FilterField.AnyPort:
                if (PortRange.TryParse(value, out var range, out error)) return new PortTerm(field, range);
                throw Bad(error!);
            case FilterField.State:
                if (FilterNames.TryParseTcpState(value, out var state)) return new StateTerm(state);
                throw Bad($"unknown TCP state '{value}' ({string.Join(", ", FilterNames.TcpStateNames.Skip(1))})");
            case FilterField.Status:
                if (FilterNames.TryParseStatus(value, out var condition)) return new StatusTerm(condition);
                throw Bad($"unknown status '{value}' ({string.Join(", ", FilterNames.StatusNames)})");
            case FilterField.Mark:
                return ParseMark(value, column);
            case FilterField.Zone:
                if (TryParseNumber(value, out var zone) && zone <= ushort.MaxValue) return new ZoneTerm((ushort)zone);
                throw Bad(TryParseNumber(value, out _) ? $"zone {value} out of range 0-65535" : $"bad zone '{value}'");
            case FilterField.Id:
                if (TryParseNumber(value, out var id) && id <= uint.MaxValue) return new IdTerm((uint)id);
                throw Bad($"bad id '{value}' (0-4294967295)");
            case FilterField.Text:
                return new TextTerm(value);
            default:
                throw new ArgumentOutOfRangeException(nameof(field), field, null);
        }

        FilterParseException Bad(string message) => new($"{message} at column {column}", column);
    }

    private static MarkTerm ParseMark(string value, int column)
    {
        var slash = value.IndexOf('/');
        var valuePart = slash < 0 ? value : value[..slash];
        if (!TryParseNumber(valuePart, out var mark) || mark > uint.MaxValue)
            throw new FilterParseException($"bad mark '{value}' (VALUE or VALUE/MASK, decimal or 0x hex, 32 bits) at column {column}", column);
        if (slash < 0) return new MarkTerm((uint)mark);
        if (!TryParseNumber(value[(slash + 1)..], out var mask) || mask > uint.MaxValue)
            throw new FilterParseException($"bad mark mask in '{value}' at column {column}", column);
        if ((mark & ~mask) != 0)
            throw new FilterParseException($"mark '{value}' can never match: value has bits outside the mask at column {column}", column);
        return new MarkTerm((uint)mark, (uint)mask);
    }

    /// <summary>Decimal or 0x-prefixed hexadecimal.</summary>
    internal static bool TryParseNumber(string text, out ulong number)
    {
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out number) && text.Length > 2;
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }
}
