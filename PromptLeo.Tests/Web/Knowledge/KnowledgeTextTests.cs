using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Resources;

namespace PromptLeo.Tests.Web.Knowledge;

public sealed class KnowledgeTextTests
{
    private static readonly KnowledgeOptions Limits = new() { MaxDocumentBytes = 20 * 1024 * 1024, MaxPages = 2000, MaxCollectionsPerUser = 50, MaxDocumentsPerCollection = 500 };

    [Fact]
    public void EveryKnowledgeKey_HasGermanTranslation() => GermanStrings.AssertFeatureTranslated("KnowledgeResource", Path.Combine("Features", "Knowledge"), 40);

    [Theory]
    [InlineData("en", "unsupported_type", "not supported")]
    [InlineData("en", "too_large", "at most 20 MB and 2000 pages")]
    [InlineData("en", "no_text", "scanned PDF. Text recognition (OCR) is not supported yet")]
    [InlineData("en", "corrupt", "damaged or protected")]
    [InlineData("en", "too_many", "at most 50 collections and 500 documents")]
    [InlineData("en", "not_found", "deleted")]
    [InlineData("en", "no_embedding_model", "No embedding model is installed")]
    [InlineData("en", "invalid_name", "The name must not be empty.")]
    [InlineData("en", "something_new", "could not be processed")]
    [InlineData("de", "unsupported_type", "nicht unterstützt")]
    [InlineData("de", "too_large", "höchstens 20 MB und 2000 Seiten")]
    [InlineData("de", "no_text", "gescannten PDF aus. Texterkennung (OCR) wird noch nicht unterstützt")]
    [InlineData("de", "corrupt", "beschädigt oder geschützt")]
    [InlineData("de", "too_many", "höchstens 50 Sammlungen und 500 Dokumente")]
    [InlineData("de", "not_found", "gelöscht")]
    public void Error_EachCode_SaysWhatWentWrongInTheUsersLanguage(string culture, string code, string expected)
    {
        var message = InCulture(culture, T => KnowledgeText.Error(code, T, Limits));

        Assert.Contains(expected, message);
    }

    [Theory]
    [InlineData("en", 512, "512 B")]
    [InlineData("en", 1536, "1.5 KB")]
    [InlineData("de", 1536, "1,5 KB")]
    [InlineData("en", 20 * 1024 * 1024, "20 MB")]
    public void Bytes_FormatsInTheUsersCulture(string culture, long bytes, string expected) =>
        Assert.Equal(expected, InCulture(culture, _ => KnowledgeText.Bytes(bytes)));

    [Theory]
    [InlineData("Handbuch.PDF", true)]
    [InlineData("notes.md", true)]
    [InlineData("page.html", true)]
    [InlineData("contract.docx", true)]
    [InlineData("readme.txt", true)]
    [InlineData("tool.exe", false)]
    [InlineData("old.doc", false)]
    [InlineData("no-extension", false)]
    public void IsAcceptedFileName_OnlyTheSupportedTypes(string fileName, bool accepted) =>
        Assert.Equal(accepted, KnowledgeText.IsAcceptedFileName(fileName));

    private static string InCulture(string culture, Func<IStringLocalizer<KnowledgeResource>, string> read)
    {
        var services = new ServiceCollection().AddLogging().AddLocalization().BuildServiceProvider();
        var previous = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            return read(services.GetRequiredService<IStringLocalizer<KnowledgeResource>>());
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = previous;
        }
    }
}
