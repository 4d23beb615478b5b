using PromptLeo.Web.Features.Knowledge.Retrieval;

namespace PromptLeo.Tests.Web.Knowledge.Retrieval;

public class KeywordTokenizerTests
{
    [Fact]
    public void Tokenize_GermanAndEnglish_LowerCaseFoldedWithoutStopWords()
    {
        Assert.Equal(
            ["groesse", "strasse", "uebergabe", "2026", "contract", "cafe", "naive"],
            KeywordTokenizer.Tokenize("Die GRÖSSE der Straße: Übergabe 2026 — the Contract, a Café & naïve"));
    }

    [Fact]
    public void Tokenize_DecomposedUmlaut_SameAsComposed()
    {
        Assert.Equal(KeywordTokenizer.Tokenize("Gr\u00F6\u00DFe"), KeywordTokenizer.Tokenize("Gro\u0308\u00DFe"));
    }

    [Fact]
    public void Tokenize_SingleLettersDropped_SingleDigitsKept()
    {
        Assert.Equal(["7", "x1"], KeywordTokenizer.Tokenize("a b 7 x1 c"));
    }

    [Theory]
    [InlineData("der")]
    [InlineData("die")]
    [InlineData("für")]
    [InlineData("the")]
    [InlineData("and")]
    public void Tokenize_StopWord_NoKeyword(string word)
    {
        Assert.Empty(KeywordTokenizer.Tokenize(word));
    }
}
