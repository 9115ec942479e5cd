using System.Text;

namespace NatGateway.Conntrack.Mirror.Query;

internal enum TokenKind { Word, Quoted, OpenParen, CloseParen, End }

/// <summary>A token and its 1-based column.</summary>
internal readonly record struct FilterToken(TokenKind Kind, string Text, int Column)
{
    public bool IsKeyword(string keyword) => Kind == TokenKind.Word && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    public string Describe() => Kind switch
    {
        TokenKind.End => "end of filter",
        TokenKind.OpenParen => "'('",
        TokenKind.CloseParen => "')'",
        TokenKind.Quoted => $"\"{Text}\"",
        _ => $"'{Text}'",
    };
}

/// <summary>
/// Splits filter text into words, quoted strings and parentheses. A word runs until whitespace, a parenthesis or a quote;
/// "!" at the start of a word is its own word (not), so "!status assured" works.
/// </summary>
internal static class FilterTokenizer
{
    public static List<FilterToken> Tokenize(string text)
    {
        var tokens = new List<FilterToken>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '(') { tokens.Add(new FilterToken(TokenKind.OpenParen, "(", i + 1)); i++; continue; }
            if (c == ')') { tokens.Add(new FilterToken(TokenKind.CloseParen, ")", i + 1)); i++; continue; }
            if (c == '!' && (i + 1 >= text.Length || text[i + 1] != '='))
            {
                tokens.Add(new FilterToken(TokenKind.Word, "not", i + 1));
                i++;
                continue;
            }
            if (c is '"' or '\'')
            {
                var start = i;
                var quote = c;
                var value = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new FilterParseException($"unterminated string starting at column {start + 1}", start + 1);
                    if (text[i] == '\\' && i + 1 < text.Length) { value.Append(text[i + 1]); i += 2; continue; }
                    if (text[i] == quote) { i++; break; }
                    value.Append(text[i++]);
                }
                tokens.Add(new FilterToken(TokenKind.Quoted, value.ToString(), start + 1));
                continue;
            }
            var wordStart = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or '"' or '\'')) i++;
            tokens.Add(new FilterToken(TokenKind.Word, text[wordStart..i], wordStart + 1));
        }
        tokens.Add(new FilterToken(TokenKind.End, "", text.Length + 1));
        return tokens;
    }
}
