using System.Text;
using NatGateway.Web.Api;
using Xunit;

namespace NatGateway.Web.Tests.Api;

/// <summary>The body checks on the one-pass path (<see cref="JsonBody.ParseDocument"/>, import and batch) name the same fields as the string path.</summary>
public sealed class JsonBodyTests
{
    [Theory]
    [InlineData("""{"rules": [{"name": "a\ud800"}]}""", "rules[0].name")]
    [InlineData("""{"rules": [{"inInterfaces": ["eth0", "x\u0001"]}]}""", "rules[0].inInterfaces[1]")]
    [InlineData("{\"a\": \"x\u007f\"}", "a")]
    [InlineData("""{"b\u0000": 1}""", "b\0")]
    [InlineData("""[1]""", "body")]
    [InlineData("""{"a": """, "body")]
    [InlineData("   ", "body")]
    public void A_lone_surrogate_a_control_character_or_a_body_that_is_not_an_object_is_refused_naming_the_field(string body, string field)
    {
        var (document, refused) = JsonBody.ParseDocument(Encoding.UTF8.GetBytes(body));
        Assert.Null(document);
        Assert.NotNull(refused?.Errors);
        Assert.True(refused!.Errors!.ContainsKey(field), string.Join(", ", refused.Errors.Keys));
        // The string path says the same.
        Assert.True(JsonBody.Parse(Encoding.UTF8.GetBytes(body)).Errors!.ContainsKey(field));
    }

    [Fact]
    public void Escapes_that_are_text_and_invalid_utf8_are_told_apart()
    {
        using (var ok = JsonBody.ParseDocument(Encoding.UTF8.GetBytes("""{"a": "line\nbreak \/ \u00e9 é", "b": ["\t"]}""")).Document)
            Assert.NotNull(ok);
        var (document, refused) = JsonBody.ParseDocument(new byte[] { (byte)'{', (byte)'"', 0xff, (byte)'"', (byte)':', (byte)'1', (byte)'}' });
        Assert.Null(document);
        Assert.Contains("not UTF-8", refused!.Errors!["body"][0]);
    }
}
