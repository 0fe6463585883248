using System.Text.Json;

namespace DepthwiseSharp.Layers;

/// <summary>Reads Keras's user config file, <c>keras.json</c>, as Keras does.</summary>
/// <remarks>
/// The file is <c>$KERAS_HOME/keras.json</c> when <c>KERAS_HOME</c> is set, else <c>~/.keras/keras.json</c>. A missing file,
/// one that is not valid JSON, or a value other than <c>channels_first</c> / <c>channels_last</c> is ignored, as Keras ignores them.
/// The file is read each time a layer resolves a null <c>data_format</c> (nothing is cached).
/// </remarks>
public static class KerasConfigFile
{
    /// <summary>The path Keras would read.</summary>
    /// <returns>The full path of keras.json (it may not exist).</returns>
    public static string Path()
    {
        string? home = Environment.GetEnvironmentVariable("KERAS_HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".keras");
        }

        return System.IO.Path.Combine(home, "keras.json");
    }

    /// <summary>The <c>image_data_format</c> of keras.json, or channels_last.</summary>
    /// <returns>The default data format.</returns>
    public static DataFormat ImageDataFormat()
    {
        try
        {
            string path = Path();
            if (!File.Exists(path))
            {
                return DataFormat.ChannelsLast;
            }

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("image_data_format", out var value)
                && value.ValueKind == JsonValueKind.String
                && value.GetString() == "channels_first")
            {
                return DataFormat.ChannelsFirst;
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            // Keras ignores an unreadable or invalid config file and keeps its defaults.
        }

        return DataFormat.ChannelsLast;
    }
}
