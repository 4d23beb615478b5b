using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

public class DpaDocumentWriterTests
{
    [Theory]
    [InlineData("en", "§ 1 Subject and duration", "§ 14 Precedence and final provisions")]
    [InlineData("de", "§ 1 Gegenstand und Dauer", "§ 14 Vorrang und Schlussbestimmungen")]
    public void Clauses_EachLanguage_FourteenNumberedClausesWithText(string language, string first, string last)
    {
        var clauses = DpaDocumentWriter.Clauses(language);

        Assert.Equal(14, clauses.Count);
        Assert.Equal(first, clauses[0].Title);
        Assert.Equal(last, clauses[^1].Title);
        Assert.All(clauses.Select((c, i) => (c, i)), x => Assert.StartsWith($"§ {x.i + 1} ", x.c.Title, StringComparison.Ordinal));
        Assert.All(clauses, c => Assert.True(c.Body.Length > 40, $"{c.Title} has no text"));
        Assert.DoesNotContain(clauses, c => c.Body.Contains("DpaVersion", StringComparison.Ordinal));
    }

    [Fact]
    public void Clauses_GermanAndEnglish_SayTheSameAboutCryptoShredding()
    {
        Assert.Contains("crypto-shredding", DpaDocumentWriter.Clauses("en")[8].Body, StringComparison.Ordinal);
        Assert.Contains("Crypto-Shredding", DpaDocumentWriter.Clauses("de")[8].Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("de")]
    public void Fill_EveryPeriod_PrintsTheSettingAsANumberAndLeavesNoBrace(string language)
    {
        var options = new PrivacyOptions { BreachNoticeHours = 48, SubProcessorNoticeDays = 45, ReturnDeadlineDays = 60, KeyBackupRetentionDays = 14 };

        var text = string.Join(" ", DpaDocumentWriter.Clauses(language).Select(c => DpaDocumentWriter.Fill(c.Body, options)));

        Assert.DoesNotContain("{", text);
        Assert.DoesNotContain("}", text);
        foreach (var number in new[] { " 48 ", " 45 ", " 60 ", " 14 " })
        {
            Assert.Contains(number, text);
        }
    }
}
