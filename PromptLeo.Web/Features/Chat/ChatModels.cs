using PromptLeo.Inference.Llm;
using PromptLeo.Web.Features.Knowledge;

namespace PromptLeo.Web.Features.Chat;

/// <summary>Model, system prompt and sampling of a conversation.</summary>
public sealed record ChatSettings
{
    public string? ModelId { get; init; }
    public string SystemPrompt { get; init; } = "";
    public float Temperature { get; init; } = 0.7f;
    public float TopP { get; init; } = 0.95f;
    public int MaxTokens { get; init; } = 512;
    public int? Seed { get; init; }
    /// <summary>Knowledge collections the answers search and cite; empty = none.</summary>
    public IReadOnlyList<Guid> CollectionIds { get; init; } = [];
}

/// <summary>A chat model the picker may offer: installed, a chat model, and not failed.</summary>
public sealed record ChatModelChoice(string Id, string DisplayName, bool IsDemo);

public sealed record ConversationSummary(Guid Id, string Title, bool Pinned, DateTimeOffset UpdatedAt);

public sealed record ChatMessageView(
    Guid Id,
    int Ordinal,
    string Role,
    string Content,
    string? ModelId,
    int InputTokens,
    int OutputTokens,
    bool Incomplete,
    string? FinishReason,
    decimal? Cost,
    DateTimeOffset CreatedAt,
    string? Thinking = null,
    IReadOnlyList<KnowledgeCitation>? Citations = null,
    Guid? ParentId = null,
    IReadOnlyList<Guid>? Versions = null)
{
    public bool IsUser => Role == ChatRoles.User;

    /// <summary>1-based number of this version among its siblings (‹ n/m ›); 1 when there is only one.</summary>
    public int VersionNumber => Versions is { Count: > 1 } versions ? versions.ToList().IndexOf(Id) + 1 : 1;

    public int VersionCount => Versions?.Count ?? 1;

    /// <summary>A view of a stored message: an assistant text is split into its reasoning and its answer.</summary>
    public static ChatMessageView FromStored(Guid id, int ordinal, string role, string stored, string? modelId, int inputTokens, int outputTokens,
        bool incomplete, string? finishReason, decimal? cost, DateTimeOffset createdAt)
    {
        var (thinking, content) = ChatAnswerText.SplitMessage(role, stored);
        return new(id, ordinal, role, content, modelId, inputTokens, outputTokens, incomplete, finishReason, cost, createdAt, thinking);
    }
}

/// <param name="Messages">The active path: what the page shows and the model sees.</param>
/// <param name="OtherVersions">Every message off the active path (earlier edits, regenerated answers and what follows them), by depth.</param>
public sealed record ConversationView(Guid Id, string Title, bool Pinned, ChatSettings Settings, IReadOnlyList<ChatMessageView> Messages, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public IReadOnlyList<ChatMessageView> OtherVersions { get; init; } = [];
}

public sealed record ChatPresetView(Guid Id, string Name, string SystemPrompt, float Temperature, float TopP, int MaxTokens, IReadOnlyList<Guid>? CollectionIds = null);

public static class ChatRoles
{
    public const string User = "user";
    public const string Assistant = "assistant";
}

public enum ChatTurnKind
{
    /// <summary>Append a new user message and answer it.</summary>
    Send,
    /// <summary>Answer the last user message again; the earlier answer stays as another version.</summary>
    Regenerate,
    /// <summary>A new version of the user message at <see cref="ChatTurnRequest.EditIndex"/>; the earlier one and what followed it stay.</summary>
    Edit,
}

/// <summary>An earlier turn of a temporary chat, which only the page holds.</summary>
public sealed record ChatHistoryMessage(string Role, string Content);

/// <summary>
/// One request to answer. Stored chats read their history from the database; temporary chats (and zero-retention
/// accounts) pass it in <see cref="History"/> and nothing is written but the processing record.
/// </summary>
public sealed record ChatTurnRequest(string UserId, ChatTurnKind Kind, ChatSettings Settings)
{
    public Guid? ConversationId { get; init; }
    public string? Prompt { get; init; }
    /// <summary>Position (0-based) of the user message being edited.</summary>
    public int? EditIndex { get; init; }
    public bool Temporary { get; init; }
    public IReadOnlyList<ChatHistoryMessage> History { get; init; } = [];
}

/// <param name="ReasoningDelta">Reasoning of a thinking model, streamed before the answer; never part of <paramref name="TextDelta"/>.</param>
public sealed record ChatStreamUpdate(string TextDelta, int? QueuePosition, int PromptTokens, int CompletionTokens, string ReasoningDelta = "");

public sealed record ChatTurnResult(
    Guid? ConversationId,
    bool Stored,
    string UserText,
    string AssistantText,
    int ReplaceFromIndex,
    FinishReason FinishReason,
    int PromptTokens,
    int CompletionTokens,
    decimal Cost,
    int DroppedTurns,
    string? Error,
    string? Thinking = null,
    IReadOnlyList<KnowledgeCitation>? Citations = null)
{
    public bool Incomplete => FinishReason is not Inference.Llm.FinishReason.Stop;
}

/// <summary>Input the service refuses before anything is sent (too long, empty, nothing to regenerate).</summary>
public sealed class ChatInputException(string message) : Exception(message);

/// <summary>A running answer. Updates stream to the page; the answer is stored when the stream ends, whether or not anybody still reads.</summary>
public sealed class ChatTurn(Guid? conversationId, string userText, int replaceFromIndex, System.Threading.Channels.ChannelReader<ChatStreamUpdate> updates, Task<ChatTurnResult> completion)
{
    /// <summary>The conversation the answer goes into; a new chat's id is chosen before it is stored.</summary>
    public Guid? ConversationId { get; } = conversationId;

    public string UserText { get; } = userText;

    /// <summary>From this position on the page shows the new version (the user message and the answer) while it streams.</summary>
    public int ReplaceFromIndex { get; } = replaceFromIndex;

    public IAsyncEnumerable<ChatStreamUpdate> ReadUpdatesAsync(CancellationToken cancellationToken = default) => updates.ReadAllAsync(cancellationToken);

    /// <summary>Completes after the answer (or the record alone) is committed.</summary>
    public Task<ChatTurnResult> Completion { get; } = completion;
}
