using System.Buffers.Binary;
using System.Text;
using Scan.Cli.Files;

namespace Scan.Cli.Tests;

public sealed class FileWriterTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(3, 128)]
    [InlineData(12345, 7)]
    public void Npy_header_is_64_byte_aligned_and_describes_the_shape(int rows, int columns)
    {
        var values = Enumerable.Range(0, rows * columns).Select(i => i * 0.5f - 3).ToArray();
        byte[] file = NpyWriter.Encode(values, rows, columns);
        file[6].Should().Be(1, "format version 1.0");
        file[7].Should().Be(0);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        ((10 + headerLength) % 64).Should().Be(0);
        string header = Encoding.ASCII.GetString(file, 10, headerLength);
        header.Should().StartWith($"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}").And.EndWith("\n");
        file.Length.Should().Be(10 + headerLength + 4 * values.Length);
        for (int i = 0; i < values.Length; i += Math.Max(1, values.Length / 17))
            BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(10 + headerLength + 4 * i)).Should().Be(values[i], $"value {i}, row-major");
    }

    [Fact]
    public void Npy_refuses_a_shape_that_does_not_match_the_values()
    {
        var act = () => NpyWriter.Write(Path.Combine(Path.GetTempPath(), "never.npy"), new float[5], 2, 3);
        act.Should().Throw<ArgumentException>().WithMessage("*2 x 3 = 6 values, found 5*");
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2.5m", 150)]
    [InlineData("00:05:00", 300)]
    [InlineData(" 20S ", 20)]
    public void Durations_are_read_as_people_type_them(string text, double seconds) =>
        Scan.Cli.Duration.Parse(text).Should().Be(TimeSpan.FromSeconds(seconds));

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("10")]
    [InlineData("5m10")]
    [InlineData("m")]
    public void Text_that_is_not_a_duration_is_refused(string text) =>
        Scan.Cli.Duration.Parse(text).Should().BeNull();

    [Fact]
    public void Csv_quotes_fields_with_commas_and_quotes()
    {
        string csv = ClustersCsv.Format(null, ["a,b.png", "say \"hi\".png"], [0, 1], [0.5f, 1f], ["coat", "t-shirt, top"]);
        csv.Should().Be("file,cluster,name,confidence\r\n\"a,b.png\",0,coat,0.5000\r\n\"say \"\"hi\"\".png\",1,\"t-shirt, top\",1.0000\r\n");
    }
}
