using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

public class DpaDocumentWriterTests
{
    [Theory]
    [InlineData("en", "§ 1 Subject and duration", "§ 8 Audits")]
    [InlineData("de", "§ 1 Gegenstand und Dauer", "§ 8 Kontrollen")]
    public void Clauses_EachLanguage_EightNumberedClausesWithText(string language, string first, string last)
    {
        var clauses = DpaDocumentWriter.Clauses(language);

        Assert.Equal(8, clauses.Count);
        Assert.Equal(first, clauses[0].Title);
        Assert.Equal(last, clauses[^1].Title);
        Assert.All(clauses.Select((c, i) => (c, i)), x => Assert.StartsWith($"§ {x.i + 1} ", x.c.Title, StringComparison.Ordinal));
        Assert.All(clauses, c => Assert.True(c.Body.Length > 40, $"{c.Title} has no text"));
        Assert.DoesNotContain(clauses, c => c.Body.Contains("DpaVersion", StringComparison.Ordinal));
    }

    [Fact]
    public void Clauses_GermanAndEnglish_SayTheSameAboutCryptoShredding()
    {
        Assert.Contains("crypto-shredding", DpaDocumentWriter.Clauses("en")[6].Body, StringComparison.Ordinal);
        Assert.Contains("Crypto-Shredding", DpaDocumentWriter.Clauses("de")[6].Body, StringComparison.Ordinal);
    }
}
