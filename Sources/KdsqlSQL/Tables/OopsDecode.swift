import KdsqlKernel

/// The Oops decode columns `panic` and `oops` share: error code, trap, one
/// 0/1 column per x86 page-fault error-code bit, CR2 and the summary.
struct OopsDecode<Row> {
    let oops: KeyPath<Row, OopsReport?>

    var bug: TextColumn<Row> { .text { [oops] in $0[keyPath: oops]?.bug } }
    var dieCounter: IntegerColumn<Row> { .integer { [oops] in $0[keyPath: oops]?.dieCounter } }
    var errorCode: IntegerColumn<Row> { .integer { [oops] in $0[keyPath: oops]?.errorCode } }
    var trap: IntegerColumn<Row> { .integer { [oops] in $0[keyPath: oops]?.trap } }
    var faultAddress: AddressColumn<Row> { .address { [oops] in $0[keyPath: oops]?.faultAddress } }
    var summary: TextColumn<Row> {
        .text { [oops] row in
            guard let o = row[keyPath: oops] else { return nil }
            return o.pageFault?.summary ?? o.kind
        }
    }
    func bit(_ bit: PageFaultErrorCode.Bit) -> IntegerColumn<Row> {
        .integer { [oops] in $0[keyPath: oops]?.pageFault?.flag(bit) }
    }
}
