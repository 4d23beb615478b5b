using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Metering;
using AiChatOptions = Microsoft.Extensions.AI.ChatOptions;

namespace PromptLeo.Web.Features.Chat;

/// <summary>When the model writes a new conversation's title (<c>Chat:ModelTitles</c>).</summary>
public enum ModelTitles
{
    /// <summary>Installed real models and remote models write it; generated demo models would only write noise.</summary>
    RealModels,
    Always,
    Never,
}

/// <summary>
/// Asks the conversation's own model for a short title after the first exchange, through the metered path (a chat
/// request of a few tokens with its own usage event and processing record, billed like any chat request). The
/// first-words title stays where the model is a demo, gives nothing usable or fails, and a title the user renamed in the
/// meantime is never overwritten.
/// </summary>
public sealed class ConversationTitler(
    MeteredClients clients,
    IModelRegistry registry,
    UserContentCipher cipher,
    IDbContextFactory<AppDbContext> dbFactory,
    IOptions<ChatOptions> options,
    ILogger<ConversationTitler> logger)
{
    // Enough of the exchange to name it; the whole answer would only cost tokens.
    private const int ExcerptCharacters = 1_500;

    public const int MaxTitleTokens = 16;

    public bool Applies(string modelId) => options.Value.ModelTitles switch
    {
        ModelTitles.Always => true,
        ModelTitles.Never => false,
        _ => registry.Get(modelId) is not { Manifest.IsDemo: true },
    };

    /// <summary>
    /// Replaces <paramref name="firstWordsTitle"/> by the model's title; returns the stored title, or null when it stayed.
    /// Never throws for the model's sake: the answer is already stored, a title is a courtesy.
    /// </summary>
    public async Task<string?> TitleAsync(string userId, Guid conversationId, string modelId, string question, string answer, string firstWordsTitle, CancellationToken cancellationToken)
    {
        string? title;
        try
        {
            var response = await clients.ChatClient(new InferencePrincipal(userId)).GetResponseAsync(Prompt(question, answer), new AiChatOptions
            {
                ModelId = modelId,
                MaxOutputTokens = MaxTitleTokens,
                Temperature = 0.2f,
                Seed = 1,
            }, cancellationToken);
            title = Clean(response.Text, options.Value.MaxTitleCharacters);
        }
        catch (Exception ex)
        {
            // Budget, restriction, engine failure or shutdown: the conversation keeps its first-words title.
            logger.LogWarning("The model {ModelId} gave no title for a conversation of {UserId}: {Error}", modelId, userId, ex.GetType().Name);
            return null;
        }
        if (title is null)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId && c.UserId == userId, cancellationToken);
        if (conversation is null
            || await cipher.DecryptStringAsync(userId, ContentPurpose.ConversationTitle, conversation.TitleCipher, cancellationToken) != firstWordsTitle)
        {
            return null;
        }
        conversation.TitleCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.ConversationTitle, title, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return title;
    }

    /// <summary>The title request: an instruction and an excerpt of the first exchange.</summary>
    internal static List<Microsoft.Extensions.AI.ChatMessage> Prompt(string question, string answer) =>
    [
        new(ChatRole.System, "Write a title of at most six words for the conversation the user shows you, in the conversation's own language. Reply with the title only: no quotes, no explanation."),
        new(ChatRole.User, $"User: {Excerpt(question)}\n\nAssistant: {Excerpt(answer)}\n\nTitle:"),
    ];

    private static string Excerpt(string text) => text.Length <= ExcerptCharacters ? text : text[..ExcerptCharacters] + "…";

    private static readonly char[] Quotes = ['"', '\'', '“', '”', '„', '«', '»', '*', '`', ' '];

    /// <summary>
    /// The model's reply as a title: its first non-empty line without Markdown marks, a "Title:" label or quotes, at most
    /// eight words; null when no letter or digit is left.
    /// </summary>
    public static string? Clean(string reply, int maxCharacters)
    {
        var line = reply.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        line = line.TrimStart('#', '*', '-', ' ');
        foreach (var label in new[] { "Title:", "Titel:" })
        {
            if (line.StartsWith(label, StringComparison.OrdinalIgnoreCase))
            {
                line = line[label.Length..];
            }
        }
        line = line.Trim().TrimStart(Quotes).TrimEnd([.. Quotes, '.', ':', ';', ',']).Trim();
        var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var title = ConversationStore.NormalizeTitle(string.Join(' ', words.Take(8)), Math.Min(60, maxCharacters));
        return title.Any(char.IsLetterOrDigit) ? title : null;
    }
}
