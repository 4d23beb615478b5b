namespace PromptLeo.Web.Features.Content;

/// <summary>What a feature service needs to know about the account before it runs inference.</summary>
public sealed record InferenceAccount(string UserId, int? ChatRetentionDays, int? ImageRetentionDays)
{
    /// <summary>Zero-retention mode: chats are answered but never written.</summary>
    public bool StoresChats => ChatRetentionDays is not 0;
}
