using PromptLeo.Inference.Diffusion.Flux;
using PromptLeo.Inference.Models.Demo;

namespace PromptLeo.Tests.Inference.Diffusion.Flux;

public sealed class T5TokenizerTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "promptleo-tests", "t5-" + Guid.NewGuid().ToString("N"));
    private readonly T5Tokenizer tokenizer;

    public T5TokenizerTests()
    {
        TinySentencePieceWriter.Write(directory);
        tokenizer = T5Tokenizer.Load(directory);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Encode_KnownWords_PiecesThenEndThenPadding()
    {
        // The tiny spiece.model: <pad> 0, </s> 1, <unk> 2, ▁ 3, then ▁word for each demo word (▁a 4 … ▁house 18 … ▁red 29).
        var tokens = tokenizer.Encode("a red house", 8);

        Assert.Equal([4L, 29, 18, 1, 0, 0, 0, 0], tokens.Ids);
        Assert.False(tokens.Truncated);
        Assert.Equal(1, tokenizer.EndOfSentence);
        Assert.Equal(0, tokenizer.Pad);
    }

    [Fact]
    public void Encode_UnknownWord_FallsBackToLetterPieces()
    {
        // "xyz" is no piece: the unigram lattice takes ▁ (3) and the letters x, y, z (39 + 23, 24, 25).
        var tokens = tokenizer.Encode("xyz", 6);

        Assert.Equal([3L, 62, 63, 64, 1, 0], tokens.Ids);
    }

    [Fact]
    public void Encode_TooLong_KeepsEndOfSentenceAndFlagsTruncation()
    {
        var tokens = tokenizer.Encode("a red house cat", 4);

        Assert.Equal([4L, 29, 18, 1], tokens.Ids);
        Assert.True(tokens.Truncated);
    }

    [Fact]
    public void WithBeginOfSentenceId_T5Layout_AppendsAnOverrideOnlyWhenBosIsNegative()
    {
        // The tiny model has T5's bos_id −1: 5 bytes appended: tag 2, length 3, tag 41 (2 bytes), the unknown id 2.
        var original = File.ReadAllBytes(Path.Combine(directory, T5Tokenizer.ModelFile));
        var patched = T5Tokenizer.WithBeginOfSentenceId(original);

        Assert.Equal(original, patched.AsSpan(0, original.Length).ToArray());
        Assert.Equal([0x12, 0x03, 0xC8, 0x02, 0x02], patched.AsSpan(original.Length).ToArray());
        Assert.Same(patched, T5Tokenizer.WithBeginOfSentenceId(patched));
    }

    [Fact]
    public void SentencePieceTokenizer_T5ModelUnpatched_StillFailsInThisLibraryVersion()
    {
        // Why WithBeginOfSentenceId exists: Microsoft.ML.Tokenizers 2.0.1 indexes its vocabulary with bos_id −1.
        // When this assertion fails, a newer library loads T5 as it is and the workaround can go.
        using var stream = File.OpenRead(Path.Combine(directory, T5Tokenizer.ModelFile));

        Assert.Throws<IndexOutOfRangeException>(() => Microsoft.ML.Tokenizers.SentencePieceTokenizer.Create(stream, false, false));
    }

    [Fact]
    public void Load_MissingModel_NamesTheFile()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => T5Tokenizer.Load(Path.Combine(directory, "missing")));

        Assert.Contains("spiece.model", ex.Message);
    }
}
