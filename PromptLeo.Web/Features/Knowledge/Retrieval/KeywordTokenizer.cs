using System.Globalization;
using System.Text;

namespace PromptLeo.Web.Features.Knowledge.Retrieval;

/// <summary>
/// Words for the keyword score, the same for German and English: runs of Unicode letters and digits, lower-cased,
/// umlauts and ß folded (ä→ae, ß→ss, so "Größe" matches "groesse"), accents of Latin letters dropped (é→e); single
/// letters and the common German and English function words are no keywords.
/// </summary>
public static class KeywordTokenizer
{
    /// <summary>Longer runs (a hash, base64) are cut here; the same cut on both sides keeps them matching.</summary>
    public const int MaxKeywordLength = 64;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        // English
        "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "did", "do", "does", "for", "from", "had",
        "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of",
        "on", "or", "our", "she", "so", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
        "those", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
        // German, folded as the tokenizer folds (für → fuer)
        "aber", "als", "am", "auch", "auf", "aus", "bei", "bin", "bis", "bist", "da", "dann", "das", "dass", "dem",
        "den", "der", "des", "die", "dies", "diese", "diesem", "diesen", "dieser", "dieses", "doch", "du", "ein", "eine",
        "einem", "einen", "einer", "eines", "er", "es", "fuer", "hat", "hatte", "ich", "ihr", "ihre", "im", "ist",
        "ja", "kann", "mit", "nach", "nicht", "noch", "nur", "ob", "oder", "sein", "seine", "sich", "sie", "sind",
        "um", "und", "uns", "unter", "vom", "von", "vor", "war", "waren", "was", "wie", "wir", "wird", "wo", "zu", "zum", "zur",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> StopWordLookup = StopWords.GetAlternateLookup<ReadOnlySpan<char>>();

    // Lower-case Latin-1 Supplement and Latin Extended-A letters without their accents (é → e), umlauts and ß spelled out.
    private static readonly string?[] Folded = BuildFoldTable();

    /// <summary>The keywords of <paramref name="text"/> in order, repeats included.</summary>
    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var keywords = new Keywords(text);
        while (keywords.MoveNext())
        {
            tokens.Add(keywords.Current.ToString());
        }
        return tokens;
    }

    /// <summary>The keywords of a text one by one, without allocating a string per word.</summary>
    public ref struct Keywords
    {
        private readonly string text;
        private readonly char[] buffer = new char[MaxKeywordLength];
        private int position;
        private int length;

        public Keywords(string text)
        {
            // Decomposed umlauts (a + combining diaeresis) become one letter first, so both spellings fold alike.
            this.text = text.IsNormalized() ? text : text.Normalize();
        }

        public readonly ReadOnlySpan<char> Current => buffer.AsSpan(0, length);

        public bool MoveNext()
        {
            while (position < text.Length)
            {
                while (position < text.Length && !char.IsLetterOrDigit(text[position]))
                {
                    position++;
                }
                length = 0;
                while (position < text.Length && char.IsLetterOrDigit(text[position]))
                {
                    Append(char.ToLowerInvariant(text[position++]));
                }
                if ((length > 1 || (length == 1 && char.IsDigit(buffer[0]))) && !StopWordLookup.Contains(Current))
                {
                    return true;
                }
            }
            length = 0;
            return false;
        }

        private void Append(char character)
        {
            if (character is >= '\u00C0' and <= '\u017F' && Folded[character - '\u00C0'] is { } folded)
            {
                foreach (var part in folded)
                {
                    AppendOne(part);
                }
                return;
            }
            AppendOne(character);
        }

        private void AppendOne(char character)
        {
            if (length < buffer.Length)
            {
                buffer[length++] = character;
            }
        }
    }

    private static string?[] BuildFoldTable()
    {
        var table = new string?[0x17F - 0xC0 + 1];
        for (var character = '\u00C0'; character <= '\u017F'; character++)
        {
            var lower = char.ToLowerInvariant(character);
            table[character - 0xC0] = lower switch
            {
                'ä' => "ae",
                'ö' => "oe",
                'ü' => "ue",
                'ß' => "ss",
                _ => StripMarks(lower),
            };
        }
        return table;
    }

    private static string StripMarks(char character)
    {
        var result = new StringBuilder();
        foreach (var part in character.ToString().Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(part) != UnicodeCategory.NonSpacingMark)
            {
                result.Append(part);
            }
        }
        return result.ToString();
    }
}
