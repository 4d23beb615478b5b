using System.Text.Json;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Tests.Inference.Diffusion;

public sealed class ClipTokenizerTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "promptleo-tests", "tok-" + Guid.NewGuid().ToString("N"));
    private readonly ClipTokenizer tokenizer;
    private readonly Dictionary<string, int> vocabulary;

    public ClipTokenizerTests()
    {
        TinyDiffusionModelWriter.Write(directory);
        tokenizer = ClipTokenizer.Load(Path.Combine(directory, "tokenizer"));
        vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(directory, "tokenizer", "vocab.json")))!;
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Load_SpecialIds_ComeFromVocabulary()
    {
        Assert.Equal(vocabulary["<|startoftext|>"], tokenizer.BeginOfText);
        Assert.Equal(vocabulary["<|endoftext|>"], tokenizer.EndOfText);
        Assert.Equal(tokenizer.EndOfText, tokenizer.Pad);
        Assert.Equal(vocabulary.Count - 1, tokenizer.EndOfText);
    }

    [Fact]
    public void Encode_KnownWords_UseMergedEndOfWordTokensAndPadTo77()
    {
        var tokens = tokenizer.Encode("A  Photo of the CAT");

        Assert.Equal(77, tokens.Ids.Length);
        Assert.False(tokens.Truncated);
        int[] expected = [tokenizer.BeginOfText, vocabulary["a</w>"], vocabulary["photo</w>"], vocabulary["of</w>"], vocabulary["the</w>"], vocabulary["cat</w>"], tokenizer.EndOfText];
        Assert.Equal(expected, tokens.Ids.Take(7));
        Assert.All(tokens.Ids.Skip(7), id => Assert.Equal(tokenizer.Pad, id));
    }

    [Fact]
    public void Encode_UnknownWordAndPunctuation_FallBackToByteSymbols()
    {
        var tokens = tokenizer.Encode("zq, ä!");

        int[] expected =
        [
            tokenizer.BeginOfText, vocabulary["z"], vocabulary["q</w>"], vocabulary[",</w>"],
            vocabulary["Ã"], vocabulary["¤</w>"], vocabulary["!</w>"], tokenizer.EndOfText,
        ];
        Assert.Equal(expected, tokens.Ids.Take(8));
    }

    [Fact]
    public void Encode_MoreThan75Tokens_TruncatesKeepingEos()
    {
        var tokens = tokenizer.Encode(string.Join(' ', Enumerable.Repeat("cat", 100)));

        Assert.True(tokens.Truncated);
        Assert.Equal(tokenizer.BeginOfText, tokens.Ids[0]);
        Assert.All(tokens.Ids.Skip(1).Take(75), id => Assert.Equal(vocabulary["cat</w>"], id));
        Assert.Equal(tokenizer.EndOfText, tokens.Ids[76]);
        Assert.False(tokenizer.Encode(string.Join(' ', Enumerable.Repeat("cat", 75))).Truncated);
    }
}
