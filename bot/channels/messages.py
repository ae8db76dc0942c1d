"""What the channel connectors say to citizens themselves (everything else comes from the assistant)."""

FILE_TOO_LARGE = "Dạ, tệp lớn hơn 10 MB, anh/chị gửi ảnh nhỏ hơn hoặc nén PDF ạ."
FILE_NOT_DOWNLOADED = "Dạ, em chưa tải được tệp anh/chị vừa gửi, anh/chị gửi lại giúp em ạ."
UNSUPPORTED_MESSAGE = (
    "Dạ, em đọc được tin nhắn chữ, ảnh (JPG, PNG) và tệp PDF; anh/chị nhắn bằng chữ giúp em ạ."
)
TURN_FAILED = "Dạ, em đang gặp sự cố khi xử lý tin nhắn này. Anh/chị nhắn lại sau ít phút giúp em ạ."
CHOICE_ECHO = "▸ {title}"  # a pressed button, shown in the chat so the conversation stays readable
TOO_LONG = "Dạ, tin nhắn dài quá {limit} ký tự nên em chưa đọc được. Anh/chị nhắn ngắn gọn hơn giúp em ạ."
TOO_FAST = (
    "Dạ, anh/chị nhắn nhanh quá, em chưa kịp trả lời. "
    "Anh/chị đợi khoảng {seconds} giây rồi nhắn tiếp giúp em ạ."
)
