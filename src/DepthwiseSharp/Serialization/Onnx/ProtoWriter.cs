using Google.Protobuf;

namespace DepthwiseSharp.Serialization.Onnx;

/// <summary>
/// Writes one protobuf message field by field. The exporter needs nine onnx.proto messages and only writes them, so a few
/// typed field writers over Google.Protobuf's <see cref="CodedOutputStream"/> replace generated classes (no protoc step,
/// no vendored .proto file in the build).
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _buffer = new();
    private readonly CodedOutputStream _out;

    public ProtoWriter()
    {
        _out = new CodedOutputStream(_buffer, leaveOpen: true);
    }

    public ProtoWriter Int64(int field, long value)
    {
        _out.WriteTag(field, WireFormat.WireType.Varint);
        _out.WriteInt64(value);
        return this;
    }

    public ProtoWriter Int32(int field, int value)
    {
        _out.WriteTag(field, WireFormat.WireType.Varint);
        _out.WriteInt32(value);
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        _out.WriteTag(field, WireFormat.WireType.Fixed32);
        _out.WriteFloat(value);
        return this;
    }

    public ProtoWriter String(int field, string value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteString(value);
        return this;
    }

    public ProtoWriter Bytes(int field, byte[] value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    // onnx.proto is proto2, where repeated scalars are unpacked unless marked; every reader accepts this form.
    public ProtoWriter RepeatedInt64(int field, IEnumerable<long> values)
    {
        foreach (long v in values)
        {
            Int64(field, v);
        }

        return this;
    }

    public byte[] ToArray()
    {
        _out.Flush();
        return _buffer.ToArray();
    }
}
