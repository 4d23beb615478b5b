namespace PromptLeo.Web.Features.Chat;

public static class ChatExtensions
{
    /// <summary>The portal chat: options (<c>Chat</c> section), conversation store and the turn service.</summary>
    public static IHostApplicationBuilder AddPromptLeoChat(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChatOptions>().BindConfiguration(ChatOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<ChatService>();
        return builder;
    }
}
