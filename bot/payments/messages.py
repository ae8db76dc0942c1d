"""What the citizen reads about paying a fee (chat and the payment result page)."""

from __future__ import annotations

PAY_BY_LINK = (
    "Dạ, lệ phí của hồ sơ {code} là {amount}. Anh/chị bấm nút bên dưới để thanh toán qua VNPay "
    "(thẻ ATM, ứng dụng ngân hàng, ví điện tử). Liên kết dùng được đến {expires:%H:%M} "
    "ngày {expires:%d/%m/%Y}; "
    'hết hạn, anh/chị nhắn "thanh toán lệ phí" để em gửi liên kết mới ạ.'
)
PAY_BUTTON = "Thanh toán {amount} qua VNPay"
PAY_BY_TRANSFER = (
    "Hoặc chuyển khoản đúng {amount} đến tài khoản {account} ({account_name}) bằng mã QR này, nội dung "
    '"{purpose}". Chuyển khoản được cán bộ đối chiếu trong giờ hành chính ạ.'
)
ALREADY_PAID = (
    "Dạ, hồ sơ {code} đã nộp lệ phí lúc {paid:%H:%M} ngày {paid:%d/%m/%Y}, anh/chị không cần nộp thêm ạ."
)
NOTHING_TO_PAY = "Dạ, hồ sơ {code} không phải nộp lệ phí ạ."
AMOUNT_UNKNOWN = (
    "Dạ, danh mục chưa nêu một mức lệ phí cụ thể cho hồ sơ {code}; Bộ phận Một cửa sẽ thông báo mức lệ phí "
    "và cách nộp khi tiếp nhận hồ sơ ạ."
)
BEING_CONFIRMED = (
    "Dạ, liên kết thanh toán trước của hồ sơ {code} vừa hết hạn và có thể đang được ngân hàng xác nhận. "
    "Anh/chị vui lòng đợi vài phút rồi nhắn lại, để tránh bị trừ tiền hai lần ạ."
)
ONLINE_PAYMENT_OFF = (
    "Dạ, xã chưa mở thanh toán lệ phí trực tuyến. Anh/chị nộp lệ phí {amount} tại Bộ phận Một cửa khi nhận "
    "kết quả ạ."
)
RECEIPT = (
    "Dạ, em đã nhận lệ phí {amount} của hồ sơ {code} qua VNPay lúc {paid:%H:%M} ngày {paid:%d/%m/%Y} "
    "(mã giao dịch VNPay {transaction}). Anh/chị không cần nộp thêm khoản nào cho hồ sơ này ạ."
)
PAID_TWICE = (
    "Đã thu trùng: giao dịch VNPay {transaction} ({amount}) đến sau khi hồ sơ đã nộp lệ phí; "
    "cần hoàn tiền cho công dân."
)
FEE_PAID_EVENT = "Đã nộp lệ phí {amount} qua VNPay (mã giao dịch {transaction}, lúc {paid:%H:%M %d/%m/%Y})"

# The page the citizen's browser returns to (it never decides anything: the IPN does).
RETURN_PAID = "Thanh toán thành công"
RETURN_PAID_TEXT = (
    "Lệ phí {amount} của hồ sơ {code} đã được ghi nhận. Anh/chị quay lại cuộc trò chuyện để xem biên nhận."
)
RETURN_WAITING = "Đang chờ xác nhận"
RETURN_WAITING_TEXT = (
    "VNPay đã báo kết quả cho trình duyệt; hệ thống đang chờ xác nhận chính thức từ VNPay. "
    "Biên nhận sẽ được gửi vào cuộc trò chuyện ngay khi có xác nhận."
)
RETURN_CANCELLED = "Chưa thanh toán"
RETURN_CANCELLED_TEXT = (
    'Giao dịch chưa thành công (mã {response}). Anh/chị có thể nhắn "thanh toán lệ phí" trong cuộc '
    "trò chuyện để nhận liên kết mới."
)
RETURN_INVALID = "Không xác thực được kết quả"
RETURN_INVALID_TEXT = (
    "Liên kết kết quả thanh toán không hợp lệ. Anh/chị quay lại cuộc trò chuyện để kiểm tra hồ sơ."
)

NO_DOSSIER = (
    "Dạ, em chưa thấy hồ sơ nào của anh/chị nộp qua trợ lý trong cuộc trò chuyện này. Anh/chị nhắn "
    '"tra cứu hồ sơ" kèm mã hồ sơ để em kiểm tra ạ.'
)
NOTHING_DUE = "Dạ, các hồ sơ của anh/chị hiện không có lệ phí nào cần nộp ạ."
NOT_OWNER = (
    "Dạ, em chỉ gửi liên kết thanh toán cho người đã nộp hồ sơ {code}. Nếu là hồ sơ của anh/chị, "
    'anh/chị nhắn "tra cứu hồ sơ {code}" để xác thực số điện thoại trước ạ.'
)
WHICH_DOSSIER = "Dạ, anh/chị muốn nộp lệ phí cho hồ sơ nào ạ?"
PAY_FEE_BUTTON = "Thanh toán lệ phí"
