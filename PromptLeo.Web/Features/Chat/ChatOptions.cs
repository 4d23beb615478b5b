using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Chat;

/// <summary>The <c>Chat</c> section: limits of the portal chat.</summary>
public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    /// <summary>Longest user message accepted; longer ones are refused before anything is sent.</summary>
    [Range(1, 1_000_000)]
    public int MaxPromptCharacters { get; set; } = 32_000;

    /// <summary>Longest system prompt accepted.</summary>
    [Range(1, 1_000_000)]
    public int MaxSystemPromptCharacters { get; set; } = 8_000;

    /// <summary>Longest conversation title (rename, derived from the first message).</summary>
    [Range(10, 1_000)]
    public int MaxTitleCharacters { get; set; } = 120;

    /// <summary>
    /// Who titles a new conversation after its first answer: <c>RealModels</c> (default; installed real and remote models
    /// write it, demo models keep the first words), <c>Always</c> or <c>Never</c>. The title request is metered and billed
    /// as a chat request of at most <see cref="ConversationTitler.MaxTitleTokens"/> answer tokens.
    /// </summary>
    public ModelTitles ModelTitles { get; set; } = ModelTitles.RealModels;
}
