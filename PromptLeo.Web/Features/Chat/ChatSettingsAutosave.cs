namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// Saves a stored conversation's settings shortly after the last change (typing a system prompt changes them per
/// keystroke), so they survive a reload without a message being sent. The save is not tied to the circuit on purpose:
/// a change made just before a reload must still land. Failures are logged, never lost.
/// </summary>
internal sealed class ChatSettingsAutosave(ConversationStore store, ILogger logger) : IDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(600);
    private CancellationTokenSource? pending;

    public void Schedule(string userId, Guid conversationId, ChatSettings settings)
    {
        pending?.Cancel();
        pending?.Dispose();
        pending = new CancellationTokenSource();
        var token = pending.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(Quiet, token);
                await store.SaveSettingsAsync(userId, conversationId, settings, token);
            }
            catch (OperationCanceledException)
            {
                // A newer change replaced this one.
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Saving chat settings failed");
            }
        }, CancellationToken.None);
    }

    /// <summary>Drops the timer only; a save that already began runs to the end.</summary>
    public void Dispose() => pending?.Dispose();
}
