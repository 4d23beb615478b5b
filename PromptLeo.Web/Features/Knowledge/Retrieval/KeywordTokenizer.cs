using System.Globalization;
using System.Text;

namespace PromptLeo.Web.Features.Knowledge.Retrieval;

/// <summary>
/// Words for the keyword score, the same for German and English: runs of Unicode letters and digits, lower-cased,
/// umlauts and ß folded (ä→ae, ß→ss, so "Größe" matches "groesse"), other accents dropped (é→e); single letters and
/// the common German and English function words are no keywords.
/// </summary>
public static class KeywordTokenizer
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        // English
        "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "did", "do", "does", "for", "from", "had",
        "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of",
        "on", "or", "our", "she", "so", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
        "those", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
        // German, folded as the tokenizer folds (für → fuer)
        "aber", "als", "am", "an", "auch", "auf", "aus", "bei", "bin", "bis", "bist", "da", "dann", "das", "dass", "dem",
        "den", "der", "des", "die", "dies", "diese", "diesem", "diesen", "dieser", "dieses", "doch", "du", "ein", "eine",
        "einem", "einen", "einer", "eines", "er", "es", "fuer", "hat", "hatte", "ich", "ihr", "ihre", "im", "in", "ist",
        "ja", "kann", "mit", "nach", "nicht", "noch", "nur", "ob", "oder", "sein", "seine", "sich", "sie", "sind", "so",
        "um", "und", "uns", "unter", "vom", "von", "vor", "war", "waren", "was", "wie", "wir", "wird", "wo", "zu", "zum", "zur",
    };

    /// <summary>The keywords of <paramref name="text"/> in order, repeats included.</summary>
    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var word = new StringBuilder();
        // Decomposed umlauts (a + combining diaeresis) become one letter first, so both spellings fold alike.
        foreach (var character in text.IsNormalized() ? text : text.Normalize())
        {
            if (char.IsLetterOrDigit(character))
            {
                Fold(char.ToLowerInvariant(character), word);
            }
            else
            {
                Emit(word, tokens);
            }
        }
        Emit(word, tokens);
        return tokens;
    }

    public static bool IsStopWord(string token) => StopWords.Contains(token);

    private static void Emit(StringBuilder word, List<string> tokens)
    {
        if (word.Length == 0)
        {
            return;
        }
        var token = word.ToString();
        word.Clear();
        if ((token.Length > 1 || char.IsDigit(token[0])) && !StopWords.Contains(token))
        {
            tokens.Add(token);
        }
    }

    private static void Fold(char character, StringBuilder word)
    {
        switch (character)
        {
            case 'ä': word.Append("ae"); return;
            case 'ö': word.Append("oe"); return;
            case 'ü': word.Append("ue"); return;
            case 'ß': word.Append("ss"); return;
        }
        if (character < 128)
        {
            word.Append(character);
            return;
        }
        // é → e + combining accent: keep the base letter.
        foreach (var part in character.ToString().Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(part) != UnicodeCategory.NonSpacingMark)
            {
                word.Append(part);
            }
        }
    }
}
