using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Chat;

public static class ChatExtensions
{
    /// <summary>The portal chat: options (<c>Chat</c> section), conversation store and the turn service.</summary>
    public static IHostApplicationBuilder AddPromptLeoChat(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChatOptions>().BindConfiguration(ChatOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<ChatService>();
        builder.Services.AddSingleton<ConversationTitler>();
        builder.Services.AddSingleton<IExportContributor, ChatExportContributor>();
        builder.Services.AddSingleton<IErasureParticipant, ChatErasureParticipant>();
        builder.Services.AddSingleton<IRetentionParticipant, ChatRetentionParticipant>();
        return builder;
    }
}
