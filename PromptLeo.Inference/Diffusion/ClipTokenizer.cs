using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace PromptLeo.Inference.Diffusion;

/// <summary>File and token names of a Hugging Face CLIP tokenizer folder.</summary>
internal static class ClipTokenizerFiles
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";
    public const string Vocabulary = "vocab.json";
    public const string Merges = "merges.txt";
    public const string Config = "tokenizer_config.json";
}

/// <summary>CLIP's byte-to-unicode table (GPT-2 style), so every UTF-8 byte has a printable vocabulary symbol.</summary>
internal static class ClipByteLevel
{
    public static readonly char[] ByteToUnicode = Build();

    private static char[] Build()
    {
        var table = new char[256];
        var extra = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)(256 + extra++);
        }

        return table;
    }

    public static string Encode(string word)
    {
        var bytes = Encoding.UTF8.GetBytes(word);
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteToUnicode[bytes[i]];
        }

        return new string(chars);
    }
}

/// <summary>Token ids for one prompt, always <see cref="ClipTokenizer.SequenceLength"/> long.</summary>
internal sealed record ClipTokens(int[] Ids, bool Truncated);

/// <summary>
/// The CLIP BPE tokenizer on Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/> (end-of-word suffix <c>&lt;/w&gt;</c>).
/// Pre-tokenisation (lower-casing, whitespace clean-up, CLIP's word regex, byte-level mapping) happens here so
/// each word reaches the BPE model exactly as in the reference implementation. BOS/EOS/pad ids are looked up in
/// <c>vocab.json</c> (49406/49407 for real CLIP; the last two ids for the tiny demo vocabulary).
/// </summary>
internal sealed partial class ClipTokenizer
{
    public const int SequenceLength = 77;

    private readonly BpeTokenizer bpe;

    private ClipTokenizer(BpeTokenizer bpe, int bos, int eos, int pad)
    {
        this.bpe = bpe;
        BeginOfText = bos;
        EndOfText = eos;
        Pad = pad;
    }

    public int BeginOfText { get; }
    public int EndOfText { get; }
    public int Pad { get; }

    public static ClipTokenizer Load(string tokenizerDirectory)
    {
        var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(tokenizerDirectory, ClipTokenizerFiles.Vocabulary)))
            ?? throw new InvalidDataException("vocab.json is empty.");
        var merges = File.ReadLines(Path.Combine(tokenizerDirectory, ClipTokenizerFiles.Merges))
            .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
            .ToList();

        string? padToken = null;
        var configPath = Path.Combine(tokenizerDirectory, ClipTokenizerFiles.Config);
        if (File.Exists(configPath))
        {
            using var config = JsonDocument.Parse(File.ReadAllText(configPath));
            padToken = ReadToken(config.RootElement, "pad_token");
        }

        int Id(string token) => vocabulary.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"vocab.json has no '{token}' token.");

        var eos = Id(ClipTokenizerFiles.EndOfText);
        var bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            EndOfWordSuffix = "</w>",
            // Words arrive already split and byte-mapped; the default word/non-word split would break byte symbols apart.
            PreTokenizer = PreTokenizer.CreateWhiteSpace(),
            UnknownToken = ClipTokenizerFiles.EndOfText,
        });
        return new ClipTokenizer(bpe, Id(ClipTokenizerFiles.StartOfText), eos, padToken is null ? eos : Id(padToken));
    }

    /// <summary>BOS + up to 75 prompt tokens + EOS, padded to 77; longer prompts are cut (and flagged).</summary>
    public ClipTokens Encode(string text)
    {
        var ids = new int[SequenceLength];
        Array.Fill(ids, Pad);
        ids[0] = BeginOfText;
        var count = 1;
        var truncated = false;
        var normalised = Whitespace().Replace(text, " ").Trim().ToLowerInvariant();
        foreach (Match word in Words().Matches(normalised))
        {
            foreach (var id in bpe.EncodeToIds(ClipByteLevel.Encode(word.Value)))
            {
                if (count == SequenceLength - 1)
                {
                    truncated = true;
                    break;
                }

                ids[count++] = id;
            }

            if (truncated)
            {
                break;
            }
        }

        ids[count] = EndOfText;
        return new ClipTokens(ids, truncated);
    }

    private static string? ReadToken(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var token) ? null
        : token.ValueKind == JsonValueKind.String ? token.GetString()
        : token.ValueKind == JsonValueKind.Object && token.TryGetProperty("content", out var content) ? content.GetString()
        : null;

    // CLIP's pattern (openai/CLIP simple_tokenizer.py) without the special tokens, which prompts may not inject.
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Words();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
