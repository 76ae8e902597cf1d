#include "searchdialog.h"

#include "chatclient.h"
#include "conversationdelegate.h"
#include "conversationlistmodel.h"

#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QVBoxLayout>

namespace Confab::Ui {

namespace {
constexpr int kConversationRole = Qt::UserRole + 1;
constexpr int kSeqRole = Qt::UserRole + 2;

// The snippet marks matches with U+0002/U+0003 (LocalCache::search); here they become bold.
QString highlighted(const QString &snippet)
{
    QString html = snippet.toHtmlEscaped();
    html.replace(QChar(2), QStringLiteral("<b style=\"color:#2563eb\">"));
    html.replace(QChar(3), QStringLiteral("</b>"));
    return html;
}
} // namespace

SearchDialog::SearchDialog(Client::ChatClient *client, Client::ConversationListModel *conversations,
                           QWidget *parent)
    : QDialog(parent), m_client(client), m_conversations(conversations)
{
    setWindowTitle(tr("Search messages"));
    m_field = new QLineEdit(this);
    m_field->setPlaceholderText(tr("Search in every chat…"));
    m_field->setAccessibleName(tr("Search"));
    m_field->setClearButtonEnabled(true);
    m_results = new QListWidget(this);
    m_results->setAccessibleName(tr("Search results"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_field);
    layout->addWidget(m_results, 1);
    resize(520, 440);
    connect(m_field, &QLineEdit::textChanged, this, &SearchDialog::search);
    connect(m_field, &QLineEdit::returnPressed, this, &SearchDialog::choose);
    connect(m_results, &QListWidget::itemActivated, this, &SearchDialog::choose);
    m_field->installEventFilter(this); // Up and Down move through the results while typing
}

void SearchDialog::search(const QString &text)
{
    m_results->clear();
    auto hits = m_client->search(text, 50);
    if (!hits)
        return;
    for (const auto &hit : hits.value()) {
        const int row = m_conversations->rowOf(hit.conversationId);
        const QString chat = row >= 0
            ? m_conversations->index(row).data(Client::ConversationListModel::TitleRole).toString()
            : tr("Chat");
        auto *item = new QListWidgetItem(m_results);
        item->setData(kConversationRole, hit.conversationId);
        item->setData(kSeqRole, hit.seq);
        auto *label =
            new QLabel(QStringLiteral("<b>%1</b> <span style=\"color:gray\">%2</span><br>%3")
                           .arg(chat.toHtmlEscaped(), ConversationDelegate::shortTime(hit.timeMs),
                                highlighted(hit.snippet)),
                       m_results);
        label->setTextFormat(Qt::RichText);
        label->setContentsMargins(6, 4, 6, 4);
        item->setSizeHint(label->sizeHint());
        m_results->setItemWidget(item, label);
    }
    if (m_results->count() > 0)
        m_results->setCurrentRow(0);
}

bool SearchDialog::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_field && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if ((key == Qt::Key_Down || key == Qt::Key_Up) && m_results->count() > 0) {
            const int row = std::clamp(m_results->currentRow() + (key == Qt::Key_Down ? 1 : -1), 0,
                                       m_results->count() - 1);
            m_results->setCurrentRow(row);
            return true;
        }
    }
    return QDialog::eventFilter(watched, event);
}

void SearchDialog::choose()
{
    const QListWidgetItem *item = m_results->currentItem();
    if (!item)
        return;
    Q_EMIT messageChosen(item->data(kConversationRole).toULongLong(),
                         item->data(kSeqRole).toULongLong());
    accept();
}

} // namespace Confab::Ui
